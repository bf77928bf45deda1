import POP3Core
import Storage
import Testing

@testable import POP3Server

/// How sessions and the store meet: flags, concurrent changes, shutdown, large maildrops.
@Suite struct POP3StoreTests {
  @Test func retrSetsSeenAndTopDoesNot() async throws {
    try await POP3Fixture.with { f in
      let alice = try await f.addUser("alice")
      for _ in 0..<3 { try await f.deliver(Sample.plain, to: alice) }
      let inbox = try await f.inbox(alice)
      let (c, session) = try await f.open()
      try await c.login("alice@example.test", "secret")
      #expect(try await c.retrieve("RETR 1").message != nil)
      #expect(try await c.multiLine("TOP 2 1").status.hasPrefix("+OK"))
      #expect(try await c.retrieve("RETR 3").message != nil)
      // The flag is written in the background; it is there at the latest once the
      // session ends.
      #expect(try await c.command("QUIT").hasPrefix("+OK"))
      await session.value
      let flags = try await f.store.messages(in: inbox.id).map(\.flags)
      #expect(flags == [.seen, [], .seen])
    }
  }

  @Test func messagesSeenAtLoginAreNotMarkedAgain() async throws {
    try await POP3Fixture.with { f in
      let alice = try await f.addUser("alice")
      for _ in 0..<2 { try await f.deliver(Sample.plain, to: alice) }
      let inbox = try await f.inbox(alice)
      _ = try await f.store.storeFlags(in: inbox.id, uids: [1], .add, flags: .seen)
      let before = f.store.statistics().writeJobs
      let (c, session) = try await f.open()
      try await c.login("alice@example.test", "secret")
      #expect(try await c.retrieve("RETR 1").message != nil)
      #expect(try await c.command("QUIT").hasPrefix("+OK"))
      await session.value
      // Message 1 had \Seen when the session began: the session wrote nothing.
      #expect(f.store.statistics().writeJobs == before)
      // Message 2 is marked as usual.
      let (c2, session2) = try await f.open()
      try await c2.login("alice@example.test", "secret")
      #expect(try await c2.retrieve("RETR 2").message != nil)
      #expect(try await c2.command("QUIT").hasPrefix("+OK"))
      await session2.value
      #expect(f.store.statistics().writeJobs == before + 1)
      #expect(try await f.store.messages(in: inbox.id).map(\.flags) == [.seen, .seen])
    }
  }

  @Test func seenIsKeptWhenTheConnectionDrops() async throws {
    try await POP3Fixture.with { f in
      let alice = try await f.addUser("alice")
      try await f.deliver(Sample.plain, to: alice)
      let (c, session) = try await f.open()
      try await c.login("alice@example.test", "secret")
      #expect(try await c.retrieve("RETR 1").message != nil)
      await c.stream.close()
      await session.value
      let inbox = try await f.inbox(alice)
      #expect(try await f.store.message(in: inbox.id, uid: 1)?.flags == .seen)
    }
  }

  @Test func messageExpungedOverIMAPAnswersErr() async throws {
    try await POP3Fixture.with { f in
      let alice = try await f.addUser("alice")
      for i in 0..<3 { try await f.deliver("Subject: \(i)\r\n\r\nbody\r\n", to: alice) }
      let inbox = try await f.inbox(alice)
      let (c, session) = try await f.open()
      try await c.login("alice@example.test", "secret")
      // Meanwhile an IMAP client expunges message 2 and new mail arrives.
      _ = try await f.store.expunge(in: inbox.id, uids: [2], onlyDeleted: false)
      try await f.deliver("Subject: new\r\n\r\nlate\r\n", to: alice)
      #expect(try await c.command("RETR 2") == "-ERR message 2 no longer exists")
      #expect(try await c.multiLine("TOP 2 0").status == "-ERR message 2 no longer exists")
      #expect(try await c.command("STAT").hasPrefix("+OK 3 "), "numbers fixed at login")
      #expect(
        try await c.retrieve("RETR 3").message == Sample.retrieved("Subject: 2\r\n\r\nbody\r\n"))
      #expect(try await c.command("DELE 2").hasPrefix("+OK"))
      #expect(try await c.command("DELE 1").hasPrefix("+OK"))
      #expect(try await c.command("QUIT").hasPrefix("+OK"))
      await session.value
      #expect(try await f.store.messages(in: inbox.id).map(\.uid) == [3, 4])
    }
  }

  @Test func readAheadNeverSendsAMessageExpungedAfterItWasRead() async throws {
    try await POP3Fixture.with { f in
      let alice = try await f.addUser("alice")
      for i in 0..<6 { try await f.deliver("Subject: \(i)\r\n\r\nbody \(i)\r\n", to: alice) }
      let inbox = try await f.inbox(alice)
      let (c, session) = try await f.open()
      try await c.login("alice@example.test", "secret")
      // RETR 1 and 2 in order: messages 3… are read ahead with 2.
      for n in 1...2 {
        #expect(
          try await c.retrieve("RETR \(n)").message
            == Sample.retrieved("Subject: \(n - 1)\r\n\r\nbody \(n - 1)\r\n"))
      }
      _ = try await f.store.expunge(in: inbox.id, uids: [3, 5], onlyDeleted: false)
      #expect(try await c.command("RETR 3") == "-ERR message 3 no longer exists")
      #expect(
        try await c.retrieve("RETR 4").message
          == Sample.retrieved("Subject: 3\r\n\r\nbody 3\r\n"))
      #expect(try await c.command("RETR 5") == "-ERR message 5 no longer exists")
      #expect(try await c.command("QUIT").hasPrefix("+OK"))
      await session.value
    }
  }

  @Test func readAheadSkipsDeletedAndStopsAtLargeMessages() {
    let sizes: [Int64] = [100, 100, 100, 70_000, 100]
    let size = { (n: Int) -> Int64? in sizes.indices.contains(n - 1) ? sizes[n - 1] : nil }
    #expect(
      POP3ReadAhead.batch(from: 1, sequential: true, sizes: size, isDeleted: { $0 == 2 }) == [1, 3])
    #expect(
      POP3ReadAhead.batch(from: 1, sequential: false, sizes: size, isDeleted: { _ in false }) == [1]
    )
    #expect(
      POP3ReadAhead.batch(from: 5, sequential: true, sizes: size, isDeleted: { _ in false }) == [5])
    let many = { (n: Int) -> Int64? in n <= 1000 ? 1000 : nil }
    let batch = POP3ReadAhead.batch(
      from: 1, sequential: true, sizes: many, isDeleted: { _ in false })
    #expect(batch.count == POP3ReadAhead.messageCount)
    let budget = POP3ReadAhead.batch(
      from: 1, sequential: true, sizes: { $0 <= 100 ? 30_000 : nil }, isDeleted: { _ in false })
    #expect(budget == [1, 2], "64 KiB budget")
  }

  @Test func readAheadBytesAreTakenOnceAndOnlyUnderTheirStamp() {
    var ahead = POP3ReadAhead(stamp: 7, messages: [2: [65], 3: nil])
    #expect(ahead.take(2, currentStamp: 7) == .bytes([65]))
    #expect(ahead.take(2, currentStamp: 7) == .miss)
    #expect(ahead.take(3, currentStamp: 8) == .miss)
    var again = POP3ReadAhead(stamp: 7, messages: [3: nil])
    #expect(again.take(3, currentStamp: 7) == .gone)
  }

  @Test func shutdownSaysSoAndReleasesTheMaildrop() async throws {
    try await POP3Fixture.with { f in
      let alice = try await f.addUser("alice")
      try await f.deliver(Sample.plain, to: alice)
      let (c, session) = try await f.open()
      try await c.login("alice@example.test", "secret")
      #expect(try await c.command("DELE 1").hasPrefix("+OK"))
      session.cancel()
      #expect(try await c.line() == "-ERR [SYS/TEMP] server shutting down")
      #expect(try await c.atEOF())
      await session.value
      #expect(f.store.lockPOP3(alice.id) != nil, "lock released")
      #expect(try await f.store.messages(in: try await f.inbox(alice).id).count == 1)
    }
  }

  @Test func sizesComeFromTheStoreAndOlderBodiesAreMeasuredOnce() async throws {
    try await POP3Fixture.with { f in
      let alice = try await f.addUser("alice")
      let samples = [Sample.bareLF, Sample.plain, Sample.unterminated, "Subject: cr\r\n\r\nend\r"]
      for sample in samples { try await f.deliver(sample, to: alice) }
      let cache = POP3SizeCache()
      let store = f.store
      let snapshot = try await store.pop3Snapshot(alice.id)
      let expected = samples.map { POP3MessageSize.octets(of: Array($0.utf8)) }
      #expect(snapshot.messages.map(\.canonicalSize) == expected.map { Int64($0) })
      #expect(
        expected.prefix(3) == ArraySlice(samples.prefix(3).map { Sample.retrieved($0).count }))
      #expect(try await cache.sizes(of: snapshot, store: store) == expected)
      #expect(cache.measurements == 0, "counted at delivery")
      // Bodies stored before the store counted them (canonical size unknown) are read
      // once, then remembered.
      let older = POP3Snapshot(
        mailbox: snapshot.mailbox, uidValidity: snapshot.uidValidity,
        messages: snapshot.messages.map {
          POP3Snapshot.Message(uid: $0.uid, size: $0.size, body: $0.body, canonicalSize: nil)
        })
      #expect(try await cache.sizes(of: older, store: store) == expected)
      #expect(cache.measurements == 4)
      #expect(try await cache.sizes(of: older, store: store) == expected)
      #expect(cache.measurements == 4, "measured once")
    }
  }

  @Test func largeMessageStreamsInChunks() async throws {
    try await POP3Fixture.with { f in
      let alice = try await f.addUser("alice")
      // 3 MB of bare-LF lines, some starting with a dot.
      var text = "Subject: big\n\n"
      var line = 0
      while text.utf8.count < 3_000_000 {
        text += line % 7 == 0 ? ".dot line \(line)\n" : "line \(line) of the big message\n"
        line += 1
      }
      try await f.deliver(text, to: alice)
      let (c, session, server) = f.connect()
      _ = try await c.line()
      try await c.login("alice@example.test", "secret")
      let expected = Sample.retrieved(text)
      #expect(try await c.command("LIST 1") == "+OK 1 \(expected.count)")
      let retr = try await c.retrieve("RETR 1")
      #expect(retr.message == expected)
      let top = try await c.multiLine("TOP 1 3").lines
      #expect(
        top == [
          "Subject: big", "", ".dot line 0", "line 1 of the big message",
          "line 2 of the big message",
        ])
      #expect(try await c.command("QUIT").hasPrefix("+OK"))
      await session.value
      // Sent a chunk at a time, never the whole message in one buffer.
      #expect(server.largestWrite.load(ordering: .relaxed) < 256 * 1024)
    }
  }

  @Test func largeMaildropListsAndRetrievesEverything() async throws {
    try await POP3Fixture.with { f in
      let alice = try await f.addUser("alice")
      let count = 10_000
      try await f.deliverMany(count, to: alice) { i in
        Array("Subject: message \(i)\r\n\r\nbody of message \(i)\r\n".utf8)
      }
      let clock = ContinuousClock()
      let (c, _) = try await f.open()
      let start = clock.now
      try await c.login("alice@example.test", "secret")
      let loggedIn = clock.now
      let stat = try await c.command("STAT")
      let list = try await c.multiLine("LIST").lines
      let uidl = try await c.multiLine("UIDL").lines
      let listed = clock.now
      #expect(stat.hasPrefix("+OK \(count) "))
      #expect(list.count == count)
      #expect(Set(uidl.map { $0.split(separator: " ")[1] }).count == count)
      var received = 0
      for n in stride(from: 1, through: count, by: 97) {
        let message = try #require(try await c.retrieve("RETR \(n)").message)
        #expect(list[n - 1] == "\(n) \(message.count)")
        received += 1
      }
      #expect(try await c.command("QUIT").hasPrefix("+OK"))
      // For the issue note, not an assertion: this machine's timing varies too much.
      print(
        "pop3 10k: login+measure \(loggedIn - start), STAT+LIST+UIDL \(listed - loggedIn),"
          + " \(received) RETRs \(clock.now - listed)")
    }
  }
}
