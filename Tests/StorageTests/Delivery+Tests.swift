import Foundation
import Storage
import Testing

@Suite struct DeliveryTests {
  @Test func concurrentDeliveriesGetUniqueAscendingUIDs() async throws {
    try await StoreFixture.with { store, _ in
      let alice = try await store.makeAccount("alice@example.test")
      let writers = 300
      let uids = try await withThrowingTaskGroup(of: (Int, UInt32).self) { group in
        for i in 0..<writers {
          group.addTask {
            let r = try await store.deliverBytes(StoreFixture.message(i, size: 512), to: [alice.id])
            guard case .stored(_, let uid, _) = r.outcomes[0] else { throw StorageError.busy }
            return (i, uid)
          }
        }
        var out: [Int: UInt32] = [:]
        for try await (i, uid) in group { out[i] = uid }
        return out
      }
      #expect(uids.count == writers)
      #expect(Set(uids.values).count == writers)
      #expect(Set(uids.values) == Set(1...UInt32(writers)))
      let inbox = try await store.inbox(alice.id)
      #expect(inbox.uidNext == UInt32(writers) + 1)
      let listed = try await store.messages(in: inbox.id)
      #expect(listed.map(\.uid) == Array(1...UInt32(writers)))
      // Ascending UIDs go with ascending MODSEQs: they were assigned in commit order.
      #expect(zip(listed, listed.dropFirst()).allSatisfy { $0.modseq < $1.modseq })
      // Each stored body is the one its UID was acknowledged for.
      for (i, uid) in uids.prefix(20) {
        let m = try #require(listed.first { $0.uid == uid })
        #expect(try await store.bodyBytes(m.body) == StoreFixture.message(i, size: 512))
      }
      let account = try #require(try await store.account(id: alice.id))
      #expect(account.usedMessages == Int64(writers))
      #expect(account.usedBytes == Int64(writers * 512))
    }
  }

  @Test func singleInstanceBodyIsSharedAndFreedWithLastReference() async throws {
    try await StoreFixture.with { store, _ in
      var ids: [AccountID] = []
      for i in 0..<5 { ids.append(try await store.makeAccount("user\(i)@example.test").id) }
      let bytes = StoreFixture.message(7, size: 10_000)
      let receipt = try await store.deliver(
        Delivery(
          body: .bytes(bytes), targets: ids.map { DeliveryTarget(account: $0) },
          outbound: OutboundEnvelope(sender: "a@example.test", recipients: ["x@remote.test"])))
      #expect(receipt.outcomes.count == 5)
      #expect(try await store.bodyInfo(receipt.body)?.references == 6)

      // Removing it from one mailbox leaves the others intact.
      let first = try await store.inbox(ids[0])
      #expect(try await store.expunge(in: first.id, uids: [1], onlyDeleted: false) == [1])
      #expect(try await store.bodyInfo(receipt.body)?.references == 5)
      let second = try await store.inbox(ids[1])
      #expect(try await store.bodyBytes(receipt.body) == bytes)
      #expect(try await store.messages(in: second.id).count == 1)

      // A copy adds a reference without copying bytes; deleting a mailbox drops its own.
      let archive = try #require(try await store.mailbox(of: ids[1], named: "Archive"))
      _ = try await store.copyMessages(from: second.id, uids: [1], to: archive.id)
      #expect(try await store.bodyInfo(receipt.body)?.references == 6)
      try await store.deleteMailbox(of: ids[1], named: "Archive")
      #expect(try await store.bodyInfo(receipt.body)?.references == 5)

      // Deleting an account, expunging, and finishing the queue entry drop the rest.
      try await store.deleteAccount(ids[1])
      for id in ids[2...] {
        let box = try await store.inbox(id)
        _ = try await store.storeFlags(in: box.id, uids: [1], .add, flags: .deleted)
        #expect(try await store.expunge(in: box.id) == [1])
      }
      #expect(try await store.bodyInfo(receipt.body)?.references == 1)
      let queueID = try #require(receipt.queueID)
      let queued = try #require(try await store.queuedMessage(queueID))
      let done = try await store.updateQueue([
        QueueRecipientUpdate(recipient: queued.recipients[0].id, state: .delivered(reply: "250 ok"))
      ])
      #expect(done == [queued.id])
      #expect(try await store.bodyInfo(receipt.body) == nil)
      await #expect(throws: StorageError.bodyNotFound(id: receipt.body.rawValue)) {
        _ = try await store.bodyBytes(receipt.body)
      }
    }
  }

  @Test func streamsMultiMegabyteBodyInChunks() async throws {
    try await StoreFixture.with { store, dir in
      let alice = try await store.makeAccount("alice@example.test")
      let size = 5 * 1024 * 1024 + 12_345
      let bytes = StoreFixture.message(42, size: size)
      // Delivered from a spool file, as SMTP does with large messages.
      let spool = dir + "/spool"
      try Data(bytes).write(to: URL(fileURLWithPath: spool))
      let receipt = try await store.deliver(
        Delivery(body: .file(path: spool), targets: [DeliveryTarget(account: alice.id)]))
      #expect(receipt.size == Int64(size))
      guard case .stored(let box, let uid, _) = receipt.outcomes[0] else {
        Issue.record("not stored")
        return
      }
      var chunks = 0
      var largest = 0
      var reassembled: [UInt8] = []
      for try await chunk in store.readMessage(in: box, uid: uid) {
        chunks += 1
        largest = max(largest, chunk.count)
        reassembled += chunk
      }
      #expect(reassembled == bytes)
      #expect(chunks == (size + 65_535) / 65_536)
      #expect(largest == 65_536)

      // A partial fetch across a chunk boundary returns exactly the range.
      let range: Range<Int64> = 65_000..<200_000
      var partial: [UInt8] = []
      for try await chunk in store.readBody(receipt.body, range: range) { partial += chunk }
      #expect(partial == Array(bytes[65_000..<200_000]))
      // A range past the end is clamped; an empty range yields nothing.
      #expect(
        try await store.bodyBytes(receipt.body, range: Int64(size - 10)..<Int64(size + 99)).count
          == 10)
      #expect(try await store.bodyBytes(receipt.body, range: 10..<10).isEmpty)
    }
  }

  @Test func emptyAndExactChunkSizedBodiesRoundTrip() async throws {
    try await StoreFixture.with { store, _ in
      let alice = try await store.makeAccount("alice@example.test")
      for size in [0, 1, 65_535, 65_536, 65_537, 131_072] {
        let bytes = StoreFixture.message(size, size: size)
        let r = try await store.deliverBytes(bytes, to: [alice.id])
        #expect(try await store.bodyBytes(r.body) == bytes, "size \(size)")
        #expect(r.size == Int64(size))
      }
    }
  }

  @Test func metadataIsKeptWithTheBody() async throws {
    try await StoreFixture.with { store, _ in
      let alice = try await store.makeAccount("alice@example.test")
      let meta: [UInt8] = Array("(ENVELOPE ...)".utf8)
      let r = try await store.deliverBytes(StoreFixture.message(1), to: [alice.id], metadata: meta)
      let plain = try await store.deliverBytes(StoreFixture.message(2), to: [alice.id])
      #expect(try await store.metadata(of: r.body) == meta)
      #expect(try await store.metadata(of: plain.body) == nil)
      try await store.setMetadata(of: plain.body, [1, 2, 3])
      #expect(
        try await store.metadata(of: [r.body, plain.body]) == [
          r.body: meta, plain.body: [1, 2, 3],
        ])
    }
  }

  @Test func deliveryIsAllOrNothing() async throws {
    try await StoreFixture.with { store, _ in
      let alice = try await store.makeAccount("alice@example.test")
      let bob = try await store.makeAccount("bob@example.test")
      // The second target's mailbox does not exist: nothing is stored for alice either.
      await #expect(throws: StorageError.mailboxNotFound("Nope")) {
        try await store.deliver(
          Delivery(
            body: .bytes([1, 2, 3]),
            targets: [
              DeliveryTarget(account: alice.id),
              DeliveryTarget(account: bob.id, mailbox: .named("Nope")),
            ]))
      }
      #expect(try await store.messages(in: store.inbox(alice.id).id).isEmpty)
      #expect(try await store.inbox(alice.id).uidNext == 1)
      await #expect(
        throws: StorageError.invalidArgument(
          "a delivery needs at least one mailbox or remote recipient")
      ) {
        try await store.deliver(Delivery(body: .bytes([1]), targets: []))
      }
      // A missing spool file fails cleanly.
      await #expect(throws: StorageError.self) {
        try await store.deliver(
          Delivery(
            body: .file(path: "/nonexistent/spool"), targets: [DeliveryTarget(account: alice.id)]))
      }
      // Flags, keywords and a named mailbox are honoured.
      let r = try await store.deliver(
        Delivery(
          body: .bytes([1]),
          targets: [
            DeliveryTarget(
              account: bob.id, mailbox: .named("Sent"), flags: [.seen], keywords: ["$Label1"])
          ],
          internalDate: 1234, internalDateZone: 120))
      #expect(r.outcomes.count == 1)
      let sent = try #require(try await store.mailbox(of: bob.id, named: "Sent"))
      let m = try #require(try await store.message(in: sent.id, uid: 1))
      #expect(m.flags == [.seen] && m.keywords == ["$Label1"])
      #expect(m.internalDate == 1234 && m.internalDateZone == 120)
    }
  }

  @Test func appendStoresIntoAGivenMailbox() async throws {
    try await StoreFixture.with { store, _ in
      let alice = try await store.makeAccount("alice@example.test")
      let drafts = try #require(try await store.mailbox(of: alice.id, named: "Drafts"))
      let a = try await store.append(to: drafts.id, body: .bytes([65, 66]), flags: [.draft])
      let b = try await store.append(to: drafts.id, body: .bytes([67]))
      #expect(a.uid == 1 && b.uid == 2 && b.modseq > a.modseq)
      #expect(try await store.message(in: drafts.id, uid: 1)?.flags == [.draft])
    }
  }
}
