import Foundation
import Net
import PostaTestSupport
import Storage
import Testing

@testable import SMTPServer

/// A `ServerTestFixture` with `empty.test` hosted too (without any account) and an
/// `SMTPService` over it; sessions run over in-memory pairs.
final class SMTPFixture: ServerTestFixtureBased {
  /// Hosted, but no account is ever created in it.
  static let emptyDomain = "empty.test"

  let base: ServerTestFixture
  let service: SMTPService
  let settings: SMTPSettings

  private init(base: ServerTestFixture, settings: SMTPSettings) {
    self.base = base
    self.settings = settings
    service = SMTPService(
      store: base.store, authenticator: base.authenticator, logger: base.logger,
      settings: { settings }, tlsContext: base.tlsProvider)
  }

  /// The settings tests start from: MX host name, small spill-to-disk threshold untouched.
  static var defaultSettings: SMTPSettings { SMTPSettings(hostName: "mx.example.test") }

  /// Runs `body` with a fresh fixture and removes everything afterwards.
  static func with<T>(
    settings: SMTPSettings = SMTPFixture.defaultSettings, tls: Bool = false,
    minimumFreeBytes: Int64 = 0, prepare: ((String) throws -> Void)? = nil,
    _ body: (SMTPFixture) async throws -> T
  ) async throws -> T {
    try await ServerTestFixture.with(
      label: "smtp", hostedDomains: [domain, emptyDomain], tls: tls,
      minimumFreeBytes: minimumFreeBytes, prepare: prepare
    ) { base in
      try await body(SMTPFixture(base: base, settings: settings))
    }
  }

  /// The spool directory the service uses.
  var spoolDirectory: String { directory + "/data/spool" }

  // MARK: - Accounts and mail

  /// The messages in the account's INBOX, oldest first.
  func inbox(_ account: Account) async throws -> [[UInt8]] {
    let box = try #require(try await store.mailbox(of: account.id, named: "INBOX"))
    var out: [[UInt8]] = []
    for m in try await store.messages(in: box.id) { out.append(try await store.bodyBytes(m.body)) }
    return out
  }

  /// The INBOX messages as text.
  func inboxText(_ account: Account) async throws -> [String] {
    try await inbox(account).map { String(decoding: $0, as: UTF8.self) }
  }

  // MARK: - Sessions

  /// Starts a session over an in-memory pair; returns the client, the server's task (it
  /// ends when the session does) and the server's end (to count its writes).
  func connect(
    role: SMTPRole = .mx, from client: SocketAddress = SMTPFixture.remote
  ) -> (client: SMTPTestClient, session: Task<Void, Never>, server: MemoryStream) {
    let service = self.service
    let (clientEnd, task, serverEnd) = base.startSession {
      await service.serve(stream: $0, client: client, role: role)
    }
    return (SMTPTestClient(clientEnd), task, serverEnd)
  }

  /// Connects, reads the greeting (after the TLS handshake on submissions) and checks it.
  func open(
    role: SMTPRole = .mx, from client: SocketAddress = SMTPFixture.remote
  ) async throws -> (client: SMTPTestClient, session: Task<Void, Never>) {
    let (c, task, _) = connect(role: role, from: client)
    if role.usesImplicitTLS { try await c.handshake() }
    let greeting = try await c.replyText()
    #expect(greeting.hasPrefix("220 "), "greeting: \(greeting)")
    return (c, task)
  }

  /// Opens a session, says EHLO, and for submission STARTTLS, EHLO and AUTH PLAIN as
  /// `local@example.test`.
  func openAuthenticated(
    _ local: String, password: String = "secret", role: SMTPRole = .submission
  ) async throws -> (client: SMTPTestClient, session: Task<Void, Never>) {
    let (c, task) = try await open(role: role)
    _ = try await c.ehlo()
    if !role.usesImplicitTLS {
      try await c.startTLS()
      _ = try await c.ehlo()
    }
    let reply = try await c.authPlain("\(local)@\(Self.domain)", password)
    #expect(reply.hasPrefix("235 2.7.0"), "AUTH: \(reply)")
    return (c, task)
  }

  /// Opens a submission session and gets it as far as AUTH: EHLO, STARTTLS, EHLO.
  func openReadyForAuth() async throws -> (
    client: SMTPTestClient, session: Task<Void, Never>
  ) {
    let (c, task) = try await open(role: .submission)
    _ = try await c.ehlo()
    try await c.startTLS()
    _ = try await c.ehlo()
    return (c, task)
  }

  /// Files in the spool directory.
  func spoolFiles() -> [String] {
    (try? FileManager.default.contentsOfDirectory(atPath: spoolDirectory)) ?? []
  }
}

/// Sample messages.
enum Sample {
  static let plain =
    "From: Sender <sender@remote.example>\r\nTo: alice@example.test\r\n"
    + "Subject: hello\r\nMessage-ID: <1@remote.example>\r\n"
    + "Date: Tue, 1 Jul 2003 10:52:37 +0200\r\n\r\nHello Alice.\r\n.leading dot\r\nBye.\r\n"

  /// A message from `alice@example.test` as a user submits it.
  static func fromAlice(to: String = "bob@remote.example") -> String {
    "From: Alice <alice@example.test>\r\nTo: \(to)\r\nSubject: hi\r\n"
      + "Message-ID: <2@example.test>\r\nDate: Tue, 1 Jul 2003 10:52:37 +0200\r\n\r\nHi!\r\n"
  }

  /// The message without `Return-Path:` and `Received:` added on top.
  static func stripTrace(_ stored: String) -> String {
    var rest = Substring(stored)
    while rest.hasPrefix("Return-Path:") || rest.hasPrefix("Received:") {
      // A field ends at a CRLF not followed by folding whitespace.
      var end = rest.startIndex
      while let crlf = rest[end...].range(of: "\r\n") {
        end = crlf.upperBound
        if end == rest.endIndex || (rest[end] != " " && rest[end] != "\t") { break }
      }
      rest = rest[end...]
    }
    return String(rest)
  }
}

/// Header text with folding undone (CRLF before whitespace removed).
func unfold(_ text: String) -> String {
  text.replacingOccurrences(of: "\r\n ", with: " ").replacingOccurrences(of: "\r\n\t", with: "\t")
}
