import Crypto
import Testing

@testable import POP3Server

/// The client side of SCRAM-SHA-256 (RFC 5802 §3, RFC 7677), written from the RFC.
struct SCRAMClient {
  let username: String
  let password: String
  let nonce: String

  var clientFirstBare: String { "n=\(username),r=\(nonce)" }
  var clientFirst: String { "n,," + clientFirstBare }

  /// The client-final-message for `serverFirst`, and the server-final it must get back.
  func final(serverFirst: String) throws -> (message: String, serverFinal: String) {
    var fields: [Character: Substring] = [:]
    for field in serverFirst.split(separator: ",") { fields[field.first!] = field.dropFirst(2) }
    let combined = try #require(fields["r"])
    #expect(combined.hasPrefix(nonce))
    let salt = try Base64.decode(try #require(fields["s"]))
    let iterationText = try #require(fields["i"])
    let iterations = try #require(Int(iterationText))
    let salted = try PBKDF2.sha256(
      password: Array(password.utf8), salt: salt, iterations: iterations)
    let clientKey = HMAC.sha256(key: salted, data: "Client Key".utf8)
    let storedKey = SHA256.hash(clientKey)
    let withoutProof = "c=\(Base64.encode("n,,".utf8)),r=\(combined)"
    let authMessage = Array("\(clientFirstBare),\(serverFirst),\(withoutProof)".utf8)
    let signature = HMAC.sha256(key: storedKey, data: authMessage)
    let proof = zip(clientKey, signature).map { $0 ^ $1 }
    let serverKey = HMAC.sha256(key: salted, data: "Server Key".utf8)
    let serverSignature = HMAC.sha256(key: serverKey, data: authMessage)
    return ("\(withoutProof),p=\(Base64.encode(proof))", "v=\(Base64.encode(serverSignature))")
  }
}

func base64(_ text: String) -> String { Base64.encode(text.utf8) }

/// Decodes a `+ base64` challenge line.
func challenge(_ line: String) throws -> String {
  #expect(line.hasPrefix("+ "), "expected a challenge, got \(line)")
  return String(decoding: try Base64.decode(line.dropFirst(2)), as: UTF8.self)
}

@Suite struct POP3AuthTests {
  @Test func authPlainWithAndWithoutInitialResponse() async throws {
    try await POP3Fixture.with { f in
      let alice = try await f.addUser("alice")
      try await f.deliver(Sample.plain, to: alice)
      let (c, _) = try await f.open()
      let bad = base64("\0alice@example.test\0wrong")
      #expect(try await c.command("AUTH PLAIN \(bad)") == "-ERR [AUTH] authentication failed")
      let good = base64("\0alice@example.test\0secret")
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
      #expect(try challenge(try await c.command(base64("alice@example.test"))) == "Password:")
      #expect(try await c.command(base64("secret")).hasPrefix("+OK"))
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
      let good = base64("\0alice@example.test\0secret")
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
