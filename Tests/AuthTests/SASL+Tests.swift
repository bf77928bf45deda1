import Crypto
import Testing

@testable import Auth

@Suite struct SASLTests {
  static let alice = AuthenticatedUser(accountID: 1, address: "alice@example.test")

  private func fixture() async throws -> Fixture {
    let f = try Fixture()
    try await f.addAccount("alice@example.test", id: 1, password: "pencil")
    return f
  }

  @Test func mechanismsDependOnSecurity() throws {
    let f = try Fixture()
    #expect(f.auth.mechanisms(secure: true) == ["SCRAM-SHA-256", "PLAIN", "LOGIN"])
    #expect(f.auth.mechanisms(secure: false) == ["SCRAM-SHA-256"])
    #expect(throws: SASLStartError.encryptionRequired(.plain)) {
      try f.auth.startSASL(mechanism: "plain", client: "192.0.2.1", secure: false)
    }
    #expect(throws: SASLStartError.encryptionRequired(.login)) {
      try f.auth.startSASL(mechanism: "LOGIN", client: "192.0.2.1", secure: false)
    }
    #expect(throws: SASLStartError.unsupportedMechanism("CRAM-MD5")) {
      try f.auth.startSASL(mechanism: "CRAM-MD5", client: "192.0.2.1", secure: true)
    }
    _ = try f.auth.startSASL(mechanism: "SCRAM-SHA-256", client: "192.0.2.1", secure: false)
  }

  @Test func loopbackCountsAsSecureUnlessSwitchedOff() throws {
    var policy = AuthPolicy()
    for client in ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "::ffff:127.0.0.1"] {
      #expect(policy.connectionIsSecure(tls: false, client: client), "\(client)")
    }
    for client in ["192.0.2.1", "::2", "2001:db8::1", "not-an-ip", "::ffff:192.0.2.1"] {
      #expect(!policy.connectionIsSecure(tls: false, client: client), "\(client)")
    }
    #expect(policy.connectionIsSecure(tls: true, client: "192.0.2.1"))
    policy.loopbackIsSecure = false
    #expect(!policy.connectionIsSecure(tls: false, client: "127.0.0.1"))
    #expect(policy.connectionIsSecure(tls: true, client: "127.0.0.1"))
  }

  @Test func plainWithInitialResponse() async throws {
    let f = try await fixture()
    #expect(
      try await f.plain("alice@example.test", "pencil") == .success(Self.alice, finalData: nil))
    #expect(f.clock.sleeps.isEmpty)
  }

  @Test func plainWithoutInitialResponse() async throws {
    let f = try await fixture()
    var session = try f.auth.startSASL(mechanism: "PLAIN", client: "192.0.2.1", secure: true)
    #expect(await session.begin(initialResponse: nil) == .challenge([]))
    let step = await session.respond(b64("\0alice@example.test\0pencil"))
    #expect(step == .success(Self.alice, finalData: nil))
    // The exchange is over.
    #expect(await session.respond("") == .failure(.malformed("the exchange is already over")))
  }

  @Test func plainAuthzid() async throws {
    let f = try await fixture()
    #expect(
      try await f.plain("alice@example.test", "pencil", authzid: "Alice@Example.test").user
        == Self.alice)
    #expect(
      try await f.plain("alice@example.test", "pencil", authzid: "bob@example.test")
        == .failure(.invalidCredentials))
    #expect(f.events("auth-failed").last?.contains("reason=authzid-mismatch") == true)
  }

  @Test(arguments: [
    "not base64!",  // outside the alphabet
    b64("\0alice"),  // one NUL only
    "YWxpY2UAcGVuY2ls=",  // bad padding
    "=",  // empty: PLAIN needs three fields
    b64("\0alice@example.test\0"),  // empty password
  ])
  func plainMalformed(_ line: String) async throws {
    let f = try await fixture()
    var session = try f.auth.startSASL(mechanism: "PLAIN", client: "192.0.2.1", secure: true)
    let step = await session.begin(initialResponse: line)
    guard case .failure(.malformed) = step else {
      Issue.record("\(line): expected malformed, got \(step)")
      return
    }
    // Counted and delayed like any failure.
    #expect(f.clock.sleeps == [.milliseconds(500)])
    #expect(f.events("auth-failed").count == 1)
  }

  @Test func overlongLineFails() async throws {
    var policy = AuthPolicy()
    policy.maxResponseLength = 64
    let f = try Fixture(policy: policy)
    var session = try f.auth.startSASL(mechanism: "PLAIN", client: "192.0.2.1", secure: true)
    _ = await session.begin(initialResponse: nil)
    let step = await session.respond(String(repeating: "QUFB", count: 17))
    #expect(step.failure == .malformed("response longer than 64 octets"))
  }

  @Test func cancellationIsNotAFailure() async throws {
    let f = try await fixture()
    for _ in 0..<20 {
      var plain = try f.auth.startSASL(mechanism: "PLAIN", client: "192.0.2.1", secure: true)
      _ = await plain.begin(initialResponse: nil)
      #expect(await plain.respond("*") == .failure(.cancelled))

      var login = try f.auth.startSASL(mechanism: "LOGIN", client: "192.0.2.1", secure: true)
      _ = await login.begin(initialResponse: b64("alice@example.test"))
      #expect(await login.respond("*") == .failure(.cancelled))
    }
    #expect(f.clock.sleeps.isEmpty)
    #expect(f.events("auth-failed").isEmpty)
    // Far more than the lockout threshold, yet the account still works from there.
    #expect(try await f.plain("alice@example.test", "pencil").user == Self.alice)
  }

  @Test func loginMechanism() async throws {
    let f = try await fixture()
    var session = try f.auth.startSASL(mechanism: "LOGIN", client: "192.0.2.1", secure: true)
    #expect(await session.begin(initialResponse: nil).challengeText == "Username:")
    #expect(await session.respond(b64("alice@example.test")).challengeText == "Password:")
    #expect(await session.respond(b64("pencil")) == .success(Self.alice, finalData: nil))
  }

  @Test func loginMechanismWithInitialResponse() async throws {
    let f = try await fixture()
    var session = try f.auth.startSASL(mechanism: "login", client: "192.0.2.1", secure: true)
    #expect(
      await session.begin(initialResponse: b64("alice@example.test")).challengeText == "Password:")
    #expect(await session.respond(b64("wrong")) == .failure(.invalidCredentials))
    #expect(f.clock.sleeps == [.milliseconds(500)])
  }

  @Test func loginMechanismBadBase64() async throws {
    let f = try await fixture()
    var session = try f.auth.startSASL(mechanism: "LOGIN", client: "192.0.2.1", secure: true)
    _ = await session.begin(initialResponse: nil)
    _ = await session.respond(b64("alice@example.test"))
    let step = await session.respond("cGVuY2lsCg")  // unpadded
    guard case .failure(.malformed) = step else {
      Issue.record("expected malformed, got \(step)")
      return
    }
    // Counted under the name given before the bad line.
    #expect(f.events("auth-failed").last?.contains("login=alice@example.test") == true)
  }

  @Test func encodeIsBase64() {
    #expect(SASLSession.encode(Array("Username:".utf8)) == "VXNlcm5hbWU6")
    #expect(SASLSession.encode([]) == "")
  }
}
