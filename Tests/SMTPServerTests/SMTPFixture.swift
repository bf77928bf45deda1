import Auth
import Foundation
import Glibc
import Log
import Net
import PostaTestSupport
import Storage
import Synchronization
import TLS
import Testing

@testable import SMTPServer

/// A temporary store with accounts in `example.test` (and `empty.test`, hosted without any
/// account), an authenticator (low iteration count, a clock that never really sleeps) and
/// an `SMTPService` over them; sessions run over in-memory pairs.
final class SMTPFixture: Sendable {
  static let domain = "example.test"
  /// Hosted, but no account is ever created in it.
  static let emptyDomain = "empty.test"
  static let loopback = try! SocketAddress(host: "127.0.0.1", port: 40000)
  /// A documentation address (RFC 5737), not loopback.
  static let remote = try! SocketAddress(host: "192.0.2.10", port: 40000)

  let directory: String
  let store: MailStore
  let hasher: PasswordHasher
  let authenticator: Authenticator
  let sink: LogSink
  let service: SMTPService
  let settings: SMTPSettings
  /// Every session started, so `close` can drop and wait for the ones a test left open.
  private let sessions = Mutex<[(client: MemoryStream, task: Task<Void, Never>)]>([])

  private init(
    directory: String, store: MailStore, settings: SMTPSettings, tlsContext: TLSContext?
  ) throws {
    self.directory = directory
    self.store = store
    self.settings = settings
    hasher = PasswordHasher(iterations: 64, threads: 1)
    sink = LogSink.capturing(level: .debug)
    let logger = Logger(sink: sink, component: "test")
    authenticator = try Authenticator(
      source: StoreCredentialSource(store: store), hasher: hasher, logger: logger,
      clock: ManualAuthClock())
    var provider: (@Sendable () -> TLSContext)?
    if let tlsContext { provider = { tlsContext } }
    service = SMTPService(
      store: store, authenticator: authenticator, logger: logger, settings: { settings },
      tlsContext: provider)
  }

  /// The settings tests start from: MX host name, small spill-to-disk threshold untouched.
  static var defaultSettings: SMTPSettings { SMTPSettings(hostName: "mx.example.test") }

  /// Runs `body` with a fresh fixture and removes everything afterwards.
  static func with<T>(
    settings: SMTPSettings = SMTPFixture.defaultSettings, tls: Bool = false,
    minimumFreeBytes: Int64 = 0, prepare: ((String) throws -> Void)? = nil,
    _ body: (SMTPFixture) async throws -> T
  ) async throws -> T {
    let dir = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try prepare?(dir + "/data")
    let context = tls ? try makeTLSContext(in: dir) : nil
    var config = StoreConfig(
      dataDirectory: dir + "/data", hostedDomains: [domain, emptyDomain])
    config.minimumFreeBytes = minimumFreeBytes
    let store = try await MailStore.open(config)
    let fixture = try SMTPFixture(
      directory: dir, store: store, settings: settings, tlsContext: context)
    do {
      let result = try await body(fixture)
      await fixture.close()
      return result
    } catch {
      await fixture.close()
      throw error
    }
  }

  /// Drops every session a test left open and waits for it to end before the store closes.
  private func close() async {
    for (client, task) in sessions.withLock({ $0 }) {
      await client.close()
      await task.value
    }
    await store.close()
    hasher.shutdown()
  }

  static func makeTemporaryDirectory() throws -> String {
    var template = Array((NSTemporaryDirectory() + "/posta-smtp-XXXXXX").utf8CString)
    guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
    return String(cString: made)
  }

  /// A server context with a new self-signed certificate for localhost.
  static func makeTLSContext(in dir: String) throws -> TLSContext {
    let made = try SelfSignedCertificate.generate(names: ["localhost", "127.0.0.1"])
    let cert = dir + "/cert.pem"
    let key = dir + "/key.pem"
    try made.certificatePEM.write(toFile: cert, atomically: true, encoding: .utf8)
    try made.keyPEM.write(toFile: key, atomically: true, encoding: .utf8)
    return try TLSContext.server(
      certificates: [TLSContext.CertificateFiles(certPath: cert, keyPath: key)])
  }

  /// The spool directory the service uses.
  var spoolDirectory: String { directory + "/data/spool" }

  // MARK: - Accounts and mail

  /// Creates `local@example.test` with `password`.
  @discardableResult
  func addUser(
    _ local: String, password: String = "secret", quotaBytes: Int64? = nil
  ) async throws -> Account {
    let hash = try await hasher.hash(newPassword: password)
    return try await store.createAccount(
      address: "\(local)@\(Self.domain)", passwordHash: hash.storedBytes, quotaBytes: quotaBytes)
  }

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
    let (clientEnd, serverEnd) = MemoryStream.pair()
    let service = self.service
    let task = Task { await service.serve(stream: serverEnd, client: client, role: role) }
    sessions.withLock { $0.append((clientEnd, task)) }
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

  /// Log lines with `event=NAME`.
  func events(_ name: String) -> [String] {
    sink.lines.filter { $0.contains(" event=\(name) ") || $0.hasSuffix(" event=\(name)") }
  }

  /// Files in the spool directory.
  func spoolFiles() -> [String] {
    (try? FileManager.default.contentsOfDirectory(atPath: spoolDirectory)) ?? []
  }
}

/// Polls `condition` until it holds (at most ~10 s): for waiting on another task to get
/// somewhere, never for timing assertions.
func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
  for i in 0..<2100 {
    if try await condition() { return true }
    if i < 100 {
      await Task.yield()
    } else {
      try await Task.sleep(for: .milliseconds(5))
    }
  }
  return try await condition()
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
