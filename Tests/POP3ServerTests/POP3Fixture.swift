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

@testable import POP3Server

/// The Auth module's view of the store's accounts, for these tests (the real adapter
/// lives elsewhere): the account password only, stored as `PasswordHash.encoded`.
struct StoreCredentialSource: CredentialSource {
  let store: MailStore

  func credentials(for login: String) async throws -> AccountCredentials? {
    guard let found = try await store.credentials(login: login), let hash = found.passwordHash
    else { return nil }
    return AccountCredentials(
      accountID: found.account.id.rawValue, address: found.account.address,
      enabled: found.account.enabled,
      password: try PasswordHash(encoded: String(decoding: hash, as: UTF8.self)))
  }
}

/// A temporary store with accounts, an authenticator (low iteration count, a clock that
/// never really sleeps) and a `POP3Service` over them; sessions run over in-memory pairs.
final class POP3Fixture: Sendable {
  static let domain = "example.test"
  static let loopback = try! SocketAddress(host: "127.0.0.1", port: 40000)
  /// A documentation address (RFC 5737): not loopback, so plaintext logins need TLS.
  static let remote = try! SocketAddress(host: "192.0.2.10", port: 40000)

  let directory: String
  let store: MailStore
  let hasher: PasswordHasher
  let authenticator: Authenticator
  let sink: LogSink
  let service: POP3Service
  let tlsContext: TLSContext?
  /// Every session started, so `close` can drop and wait for the ones a test left open.
  private let sessions = Mutex<[(client: MemoryStream, task: Task<Void, Never>)]>([])

  private init(
    directory: String, store: MailStore, settings: POP3Settings, tlsContext: TLSContext?
  ) throws {
    self.directory = directory
    self.store = store
    self.tlsContext = tlsContext
    hasher = PasswordHasher(iterations: 64, threads: 1)
    sink = LogSink.capturing(level: .debug)
    let logger = Logger(sink: sink, component: "test")
    authenticator = try Authenticator(
      source: StoreCredentialSource(store: store), hasher: hasher, logger: logger,
      clock: ManualAuthClock())
    var provider: (@Sendable () -> TLSContext)?
    if let tlsContext { provider = { tlsContext } }
    service = POP3Service(
      store: store, authenticator: authenticator, logger: logger, settings: { settings },
      tlsContext: provider)
  }

  /// Runs `body` with a fresh fixture and removes everything afterwards.
  static func with<T>(
    settings: POP3Settings = POP3Settings(hostName: "pop.example.test"), tls: Bool = false,
    directory: String? = nil, _ body: (POP3Fixture) async throws -> T
  ) async throws -> T {
    let dir = try directory ?? makeTemporaryDirectory()
    let ownsDirectory = directory == nil
    defer { if ownsDirectory { try? FileManager.default.removeItem(atPath: dir) } }
    let context = tls ? try makeTLSContext(in: dir) : nil
    let store = try await MailStore.open(
      StoreConfig(dataDirectory: dir + "/data", hostedDomains: [domain]))
    let fixture = try POP3Fixture(
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

  /// Drops every session a test left open (the client vanishing, as a dropped
  /// connection) and waits for it to end before the store closes.
  private func close() async {
    for (client, task) in sessions.withLock({ $0 }) {
      await client.close()
      await task.value
    }
    await store.close()
    hasher.shutdown()
  }

  static func makeTemporaryDirectory() throws -> String {
    var template = Array((NSTemporaryDirectory() + "/posta-pop3-XXXXXX").utf8CString)
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

  // MARK: - Accounts and mail

  /// Creates `local@example.test` with `password`.
  @discardableResult
  func addUser(_ local: String, password: String = "secret") async throws -> Account {
    let hash = try await hasher.hash(newPassword: password)
    return try await store.createAccount(
      address: "\(local)@\(Self.domain)", passwordHash: Array(hash.encoded.utf8))
  }

  func inbox(_ account: Account) async throws -> Mailbox {
    try #require(try await store.mailbox(of: account.id, named: "INBOX"))
  }

  /// Delivers `message` to the account's INBOX; returns its UID.
  @discardableResult
  func deliver(_ message: String, to account: Account) async throws -> UInt32 {
    try await deliver(Array(message.utf8), to: account)
  }

  @discardableResult
  func deliver(_ message: [UInt8], to account: Account) async throws -> UInt32 {
    let receipt = try await store.deliver(
      Delivery(body: .bytes(message), targets: [DeliveryTarget(account: account.id)]))
    guard case .stored(_, let uid, _) = receipt.outcomes.first else {
      throw StorageError.invalidArgument("nothing stored")
    }
    return uid
  }

  /// Delivers many messages concurrently (the store group-commits them).
  func deliverMany(_ count: Int, to account: Account, message: @Sendable (Int) -> [UInt8])
    async throws
  {
    let store = self.store
    var next = 0
    while next < count {
      let batch = next..<min(count, next + 512)
      try await withThrowingTaskGroup(of: Void.self) { group in
        for i in batch {
          let bytes = message(i)
          group.addTask {
            _ = try await store.deliver(
              Delivery(body: .bytes(bytes), targets: [DeliveryTarget(account: account.id)]))
          }
        }
        try await group.waitForAll()
      }
      next = batch.upperBound
    }
  }

  // MARK: - Sessions

  /// Starts a session over an in-memory pair; returns the client and the server's task
  /// (it ends when the session does).
  func connect(
    from client: SocketAddress = POP3Fixture.loopback, implicitTLS: Bool = false
  ) -> (client: POP3TestClient, session: Task<Void, Never>, server: MemoryStream) {
    let (clientEnd, serverEnd) = MemoryStream.pair()
    let service = self.service
    let task = Task {
      await service.serve(stream: serverEnd, client: client, implicitTLS: implicitTLS)
    }
    sessions.withLock { $0.append((clientEnd, task)) }
    return (POP3TestClient(clientEnd), task, serverEnd)
  }

  /// Connects and reads the greeting.
  func open(from client: SocketAddress = POP3Fixture.loopback) async throws -> (
    client: POP3TestClient, session: Task<Void, Never>
  ) {
    let (client, task, _) = connect(from: client)
    let greeting = try await client.line()
    #expect(greeting.hasPrefix("+OK "), "greeting: \(greeting)")
    return (client, task)
  }

  /// Log lines with `event=NAME`.
  func events(_ name: String) -> [String] {
    sink.lines.filter { $0.contains(" event=\(name) ") || $0.hasSuffix(" event=\(name)") }
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
