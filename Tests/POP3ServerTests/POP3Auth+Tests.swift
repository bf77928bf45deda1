import PostaTestSupport
import Testing

@testable import POP3Server

/// Decodes a `+ base64` challenge line.
func challenge(_ line: String) throws -> String {
  #expect(line.hasPrefix("+ "), "expected a challenge, got \(line)")
  return try SASLClient.decode(line.dropFirst(2))
}

@Suite struct POP3AuthTests {
  @Test func authPlainWithAndWithoutInitialResponse() async throws {
    try await POP3Fixture.with { f in
      let alice = try await f.addUser("alice")
      try await f.deliver(Sample.plain, to: alice)
      let (c, _) = try await f.open()
      let bad = SASLClient.plain("alice@example.test", "wrong")
      #expect(try await c.command("AUTH PLAIN \(bad)") == "-ERR [AUTH] authentication failed")
      let good = SASLClient.plain("alice@example.test", "secret")
      #expect(try await c.command("AUTH PLAIN \(good)").hasPrefix("+OK maildrop has 1 messages"))
      #expect(try await c.command("QUIT").hasPrefix("+OK"))

      let (d, _) = try await f.open()
      #expect(try await d.command("AUTH plain") == "+ ")
      #expect(try await d.command(good).hasPrefix("+OK"))
      #expect(
        f.events("pop3-login").contains {
          $0.contains("result=ok") && $0.contains("mech=PLAIN")
        })
    }
  }

  @Test func authLoginAndCancel() async throws {
    try await POP3Fixture.with { f in
      try await f.addUser("alice")
      let (c, _) = try await f.open()
      #expect(try challenge(try await c.command("AUTH LOGIN")) == "Username:")
      #expect(try await c.command("*") == "-ERR authentication cancelled")
      #expect(try challenge(try await c.command("AUTH LOGIN")) == "Username:")
      let login = SASLClient.login("alice@example.test", "secret")
      #expect(try challenge(try await c.command(login.username)) == "Password:")
      #expect(try await c.command(login.password).hasPrefix("+OK"))
    }
  }

  @Test func malformedAndOverLongSASLLines() async throws {
    try await POP3Fixture.with { f in
      try await f.addUser("alice")
      let (c, _) = try await f.open()
      #expect(try await c.command("AUTH PLAIN") == "+ ")
      #expect(try await c.command("not base64!").hasPrefix("-ERR malformed"))
      #expect(try await c.command("AUTH PLAIN") == "+ ")
      // Longer than a command line is fine in a SASL exchange; beyond 12,288 it is not.
      try await c.send(String(repeating: "QUFB", count: 3_100))
      #expect(try await c.line().hasPrefix("-ERR malformed"))
      #expect(try await c.command("NOOP").hasPrefix("-ERR"), "still in AUTHORIZATION")
      #expect(try await c.command("AUTH BOGUS").hasPrefix("-ERR unsupported"))
      let good = SASLClient.plain("alice@example.test", "secret")
      #expect(try await c.command("AUTH PLAIN \(good)").hasPrefix("+OK"))
    }
  }

  @Test func scramSHA256() async throws {
    try await POP3Fixture.with { f in
      let alice = try await f.addUser("alice", password: "pencil")
      try await f.deliver(Sample.plain, to: alice)
      // SCRAM does not send the password, so it is offered off loopback without TLS.
      let (c, _) = try await f.open(from: POP3Fixture.remote)
      let scram = SCRAMClient(
        username: "alice@example.test", password: "pencil", nonce: "rOprNGfwEbeRWgbNEkqO")
      let serverFirst = try challenge(
        try await c.command("AUTH SCRAM-SHA-256 \(base64(scram.clientFirst))"))
      let final = try scram.final(serverFirst: serverFirst)
      let serverFinal = try challenge(try await c.command(base64(final.message)))
      #expect(serverFinal == final.serverFinal)
      #expect(try await c.command("").hasPrefix("+OK maildrop has 1 messages"))
      #expect(try await c.command("STAT").hasPrefix("+OK 1 "))
    }
  }

  @Test func scramWithAWrongPasswordFails() async throws {
    try await POP3Fixture.with { f in
      try await f.addUser("alice", password: "pencil")
      let (c, _) = try await f.open()
      let scram = SCRAMClient(username: "alice@example.test", password: "pen", nonce: "abcdefgh")
      #expect(try await c.command("AUTH SCRAM-SHA-256") == "+ ")
      let serverFirst = try challenge(try await c.command(base64(scram.clientFirst)))
      let final = try scram.final(serverFirst: serverFirst)
      #expect(try await c.command(base64(final.message)) == "-ERR [AUTH] authentication failed")
    }
  }

  @Test func secondSessionGetsInUseUntilTheFirstQuits() async throws {
    try await POP3Fixture.with { f in
      let alice = try await f.addUser("alice")
      try await f.deliver(Sample.plain, to: alice)
      let (first, firstSession) = try await f.open()
      try await first.login("alice@example.test", "secret")

      let (second, _) = try await f.open()
      #expect(try await second.command("USER alice@example.test").hasPrefix("+OK"))
      #expect(try await second.command("PASS secret").hasPrefix("-ERR [IN-USE] "))
      #expect(f.events("pop3-login").contains { $0.contains("reason=in-use") })

      #expect(try await first.command("QUIT").hasPrefix("+OK"))
      await firstSession.value
      try await second.login("alice@example.test", "secret")
    }
  }

  @Test func droppingTheConnectionReleasesTheLockAndDeletesNothing() async throws {
    try await POP3Fixture.with { f in
      let alice = try await f.addUser("alice")
      try await f.deliver(Sample.plain, to: alice)
      try await f.deliver(Sample.dotted, to: alice)
      let (first, firstSession) = try await f.open()
      try await first.login("alice@example.test", "secret")
      #expect(try await first.command("DELE 1").hasPrefix("+OK"))
      #expect(try await first.command("DELE 2").hasPrefix("+OK"))
      await first.stream.close()  // the client vanishes without QUIT
      await firstSession.value

      let inbox = try await f.inbox(alice)
      #expect(try await f.store.messages(in: inbox.id).count == 2)
      let (second, _) = try await f.open()
      try await second.login("alice@example.test", "secret")
      #expect(try await second.command("STAT").hasPrefix("+OK 2 "))
    }
  }

  @Test func deleAndQuitExpungesAtomically() async throws {
    try await POP3Fixture.with { f in
      let alice = try await f.addUser("alice")
      for i in 0..<5 { try await f.deliver("Subject: \(i)\r\n\r\nx\r\n", to: alice) }
      let inbox = try await f.inbox(alice)
      let changes = f.store.changes(of: inbox.id)
      let (c, session) = try await f.open()
      try await c.login("alice@example.test", "secret")
      for n in [1, 3, 5] { #expect(try await c.command("DELE \(n)").hasPrefix("+OK")) }
      #expect(try await f.store.messages(in: inbox.id).count == 5, "nothing goes before QUIT")
      #expect(try await c.command("QUIT") == "+OK Posta POP3 server signing off (2 messages left)")
      await session.value
      #expect(try await f.store.messages(in: inbox.id).map(\.uid) == [2, 4])
      // One expunge event for all three: what an IMAP session watching INBOX sees.
      for await change in changes {
        if case .expunged(let uids, _) = change {
          #expect(uids == [1, 3, 5])
          break
        }
      }
    }
  }
}
