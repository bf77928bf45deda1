import Crypto
import Foundation
import PostaTestSupport
import Testing

@testable import Auth

@Suite struct SCRAMTests {
  // RFC 7677 §3, the SCRAM-SHA-256 example exchange.
  static let clientNonce = "rOprNGfwEbeRWgbNEkqO"
  static let serverNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
  static let salt = "W22ZaJ0SNY7soEsUEjb6gQ=="
  static let clientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
  static let serverFirst =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
  static let clientFinal =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
  static let serverFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

  @Test func rfc7677ServerSide() throws {
    let parameters = try KDFParameters(salt: Base64.decode(Self.salt), iterations: 4096)
    let pencil = try PasswordHash.derive(password: "pencil", parameters: parameters)
    let other = try PasswordHash.derive(password: "not pencil", parameters: parameters)

    let first = try SCRAMServer.parseClientFirst(Array(Self.clientFirst.utf8))
    #expect(first.username == "user")
    #expect(first.authzid == nil)
    #expect(first.gs2Header == "n,,")
    let pending = SCRAMServer.serverFirst(
      first, serverNonce: Self.serverNonce, parameters: parameters)
    #expect(pending.serverFirst == Self.serverFirst)

    let final = try SCRAMServer.parseClientFinal(Array(Self.clientFinal.utf8), pending: pending)
    let authMessage = SCRAMServer.authMessage(pending, final)
    // The proof matches "pencil" wherever it stands among the candidates, and only it.
    #expect(
      SCRAMServer.match(proof: final.proof, authMessage: authMessage, candidates: [other, pencil])
        == 1)
    #expect(
      SCRAMServer.match(proof: final.proof, authMessage: authMessage, candidates: [other]) == nil)
    let serverFinal = SCRAMServer.serverFinal(pencil, authMessage: authMessage)
    #expect(String(decoding: serverFinal, as: UTF8.self) == Self.serverFinal)
  }

  /// The test client reproduces the RFC's client messages, so the exchanges below test
  /// the server against a client known to be right.
  @Test func rfc7677ClientSide() throws {
    let client = SCRAMClient(username: "user", password: "pencil", nonce: Self.clientNonce)
    #expect(client.clientFirst == Self.clientFirst)
    let final = try client.final(serverFirst: Self.serverFirst)
    #expect(final.message == Self.clientFinal)
    #expect(final.serverFinal == Self.serverFinal)
  }

  @Test func rfc7677ThroughASessionWithInjectedNonce() async throws {
    // The RFC's user name is not an address, so the account is "user@example.test"; the
    // salt, count, password and nonces are the RFC's.
    let f = try Fixture(serverNonce: { SCRAMTests.serverNonce })
    let parameters = try KDFParameters(salt: Base64.decode(Self.salt), iterations: 4096)
    f.source.put(
      AccountCredentials(
        accountID: 7, address: "user@example.test",
        password: try PasswordHash.derive(password: "pencil", parameters: parameters)))
    let client = SCRAMClient(
      username: "user@example.test", password: "pencil", nonce: Self.clientNonce)

    var session = try f.auth.startSASL(mechanism: "SCRAM-SHA-256", client: "::1", secure: false)
    let challenge = await session.begin(initialResponse: nil)
    #expect(challenge == .challenge([]))
    let first = await session.respond(b64(client.clientFirst))
    let serverFirst = try #require(first.challengeText)
    #expect(serverFirst == Self.serverFirst)
    let final = try client.final(serverFirst: serverFirst)
    let step = await session.respond(b64(final.message))
    #expect(
      step
        == .success(
          AuthenticatedUser(accountID: 7, address: "user@example.test"),
          finalData: Array(final.serverFinal.utf8)))
  }

  @Test func fullExchangeWithInitialResponse() async throws {
    let f = try Fixture()
    try await f.addAccount("alice@example.test", id: 1, password: "pencil")
    let client = SCRAMClient(
      username: "Alice@Example.TEST", password: "pencil", nonce: "fyko+d2lbbFgONRv9qkxdawL")
    var session = try f.auth.startSASL(
      mechanism: "scram-sha-256", client: "192.0.2.1", secure: false)
    let first = await session.begin(initialResponse: b64(client.clientFirst))
    let serverFirst = try #require(first.challengeText)
    #expect(serverFirst.hasPrefix("r=fyko+d2lbbFgONRv9qkxdawL"))
    #expect(serverFirst.hasSuffix(",i=\(Fixture.iterations)"))
    let final = try client.final(serverFirst: serverFirst)
    let step = await session.respond(b64(final.message))
    guard case .success(let user, let data?) = step else {
      Issue.record("expected success with a server signature, got \(step)")
      return
    }
    #expect(user == AuthenticatedUser(accountID: 1, address: "alice@example.test"))
    #expect(String(decoding: data, as: UTF8.self) == final.serverFinal)
    #expect(f.clock.sleeps.isEmpty)
    #expect(f.events("auth-ok").count == 1)
  }

  @Test func appPasswordOverSCRAM() async throws {
    let f = try Fixture()
    try await f.addAccount("alice@example.test", id: 1, password: "account-pw")
    try await f.addAppPassword("alice@example.test", id: 9, name: "phone", password: "app-pw")
    let step = try await exchange(f, login: "alice@example.test", password: "app-pw")
    #expect(step.user?.appPassword == AppPasswordRef(id: 9, name: "phone"))
  }

  @Test func wrongPasswordAndUnknownAccountFailAlike() async throws {
    let f = try Fixture()
    try await f.addAccount("alice@example.test", id: 1, password: "pencil")
    let wrong = try await exchange(f, login: "alice@example.test", password: "crayon")
    let unknown = try await exchange(
      f, login: "nobody@example.test", password: "pencil", client: "192.0.2.2")
    #expect(wrong == .failure(.invalidCredentials))
    #expect(unknown == .failure(.invalidCredentials))
    #expect(f.clock.sleeps == [.milliseconds(500), .milliseconds(500)])
  }

  @Test func unknownAccountsGetAStableMadeUpSalt() async throws {
    let f = try Fixture()
    func serverFirst(_ login: String) async throws -> String {
      var session = try f.auth.startSASL(mechanism: "SCRAM-SHA-256", client: "::1", secure: true)
      let client = SCRAMClient(username: login, password: "x", nonce: "abc")
      return try #require(
        await session.begin(initialResponse: b64(client.clientFirst)).challengeText)
    }
    let a = try await serverFirst("nobody@example.test")
    let b = try await serverFirst("nobody@example.test")
    let c = try await serverFirst("someone@example.test")
    func salt(_ s: String) -> Substring? { s.split(separator: ",").first { $0.hasPrefix("s=") } }
    #expect(salt(a) != nil)
    #expect(salt(a) == salt(b))
    #expect(salt(a) != salt(c))
    #expect(a.hasSuffix(",i=\(Fixture.iterations)"))
  }

  @Test func channelBindingFlags() async throws {
    let f = try Fixture()
    try await f.addAccount("alice@example.test", id: 1, password: "pencil")
    // "y,," (client could bind, thinks we cannot) is fine.
    let y = try await exchange(f, login: "alice@example.test", password: "pencil", gs2: "y,,")
    #expect(y.user != nil)
    // "p=" asks for channel binding, which is not offered.
    var session = try f.auth.startSASL(mechanism: "SCRAM-SHA-256", client: "::1", secure: true)
    let step = await session.begin(
      initialResponse: b64("p=tls-exporter,,n=alice@example.test,r=abc"))
    guard case .failure(.malformed(let why)) = step else {
      Issue.record("expected malformed, got \(step)")
      return
    }
    #expect(why.contains("channel binding"))
  }

  @Test func authzidMustBeTheUser() async throws {
    let f = try Fixture()
    try await f.addAccount("alice@example.test", id: 1, password: "pencil")
    let same = try await exchange(
      f, login: "alice@example.test", password: "pencil", gs2: "n,a=ALICE@example.test,")
    #expect(same.user != nil)
    let other = try await exchange(
      f, login: "alice@example.test", password: "pencil", gs2: "n,a=bob@example.test,")
    #expect(other == .failure(.invalidCredentials))
  }

  @Test func tamperedFinalMessages() async throws {
    let f = try Fixture(serverNonce: { "SRV" })
    try await f.addAccount("alice@example.test", id: 1, password: "pencil")
    let client = SCRAMClient(username: "alice@example.test", password: "pencil", nonce: "CLI")
    let good = try client.final(serverFirst: "r=CLISRV,s=AAAA,i=1").message
    let proof = good[good.range(of: ",p=")!.lowerBound...]
    let cases = [
      "c=biws,r=CLIXXX\(proof)",  // nonce changed
      "c=eSws,r=CLISRV\(proof)",  // channel binding says y,, but the header was n,,
      "c=biws,r=CLISRV",  // no proof
      "c=biws,r=CLISRV,p=AAAA",  // short proof
      "r=CLISRV,c=biws\(proof)",  // attributes out of order
    ]
    for text in cases {
      var session = try f.auth.startSASL(mechanism: "SCRAM-SHA-256", client: "::1", secure: true)
      _ = await session.begin(initialResponse: b64(client.clientFirst))
      let step = await session.respond(b64(text))
      guard case .failure(.malformed) = step else {
        Issue.record("\(text): expected malformed, got \(step)")
        continue
      }
    }
  }

  @Test(arguments: [
    "n,,r=abc",  // no user name
    "n,,n=alice@example.test",  // no nonce
    "n,,m=ext,n=alice@example.test,r=abc",  // mandatory extension
    "x,,n=alice@example.test,r=abc",  // bad gs2 flag
    "n,,n=al=2Cice@example.test,r=a,b",  // comma in nonce position
    "n,,n=al=2Xice@example.test,r=abc",  // bad escape
    "n,,n=alice@example.test,r=ab c",  // space in nonce
  ])
  func malformedClientFirst(_ text: String) {
    #expect(throws: AuthFailure.self) { try SCRAMServer.parseClientFirst(Array(text.utf8)) }
  }

  @Test func saslNameEscapes() throws {
    let first = try SCRAMServer.parseClientFirst(Array("n,a=a=3Db,n=a=2Cb=3Dc,r=x".utf8))
    #expect(first.username == "a,b=c")
    #expect(first.authzid == "a=b")
  }

  /// Runs a whole SCRAM exchange with the test client.
  private func exchange(
    _ f: Fixture, login: String, password: String, gs2: String = "n,,",
    client: String = "192.0.2.1"
  ) async throws -> SASLStep {
    var scram = SCRAMClient(username: login, password: password, nonce: "nonce123")
    scram.gs2Header = gs2
    var session = try f.auth.startSASL(mechanism: "SCRAM-SHA-256", client: client, secure: true)
    let first = await session.begin(initialResponse: b64(scram.clientFirst))
    let serverFirst = try #require(first.challengeText)
    let final = try scram.final(serverFirst: serverFirst)
    let step = await session.respond(b64(final.message))
    if case .success(_, let data) = step {
      #expect(data.map { String(decoding: $0, as: UTF8.self) } == final.serverFinal)
    }
    return step
  }
}
