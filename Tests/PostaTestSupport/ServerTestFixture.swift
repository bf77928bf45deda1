import Auth
import Foundation
import Glibc
import Log
import Net
import Storage
import Synchronization
import TLS

/// What every protocol server's tests start from: a temporary data directory with a real
/// `MailStore`, accounts in `example.test`, an authenticator over them (low iteration
/// count, a clock that never really sleeps), a capturing log, optionally a server TLS
/// context with a fresh self-signed certificate, and the sessions a test started over
/// in-memory pairs, dropped and awaited before the store closes.
///
/// A protocol's own fixture (`SMTPFixture`, `POP3Fixture`) holds one of these as `base`
/// and builds its service from `store`, `authenticator`, `logger` and `tlsProvider`.
public final class ServerTestFixture: Sendable {
  /// The hosted domain the accounts live in.
  public static let domain = "example.test"
  public static let loopback = try! SocketAddress(host: "127.0.0.1", port: 40000)
  /// A documentation address (RFC 5737), not loopback.
  public static let remote = try! SocketAddress(host: "192.0.2.10", port: 40000)

  /// The temporary directory; the store's data directory is `directory + "/data"`.
  public let directory: String
  public let store: MailStore
  public let hasher: PasswordHasher
  public let authenticator: Authenticator
  public let sink: LogSink
  public let logger: Logger
  public let tlsContext: TLSContext?
  /// Every session started, so `close` can drop and wait for the ones a test left open.
  private let sessions = Mutex<[(client: MemoryStream, task: Task<Void, Never>)]>([])

  private init(directory: String, store: MailStore, tlsContext: TLSContext?) throws {
    self.directory = directory
    self.store = store
    self.tlsContext = tlsContext
    hasher = PasswordHasher(iterations: 64, threads: 1)
    sink = LogSink.capturing(level: .debug)
    logger = Logger(sink: sink, component: "test")
    authenticator = try Authenticator(
      source: StoreCredentialSource(store: store), hasher: hasher, logger: logger,
      clock: ManualAuthClock())
  }

  /// Runs `body` with a fresh fixture and closes it afterwards.
  /// - Parameters:
  ///   - label: names the temporary directory (`posta-<label>-XXXXXX`).
  ///   - hostedDomains: the store's hosted domains.
  ///   - tls: whether to make `tlsContext`.
  ///   - minimumFreeBytes: the store's free-space floor; nil keeps `StoreConfig`'s.
  ///   - directory: an existing directory to use (and keep) instead of a new one, to
  ///     reopen a store a previous fixture left.
  ///   - prepare: runs on the data directory's path before the store opens.
  public static func with<T>(
    label: String, hostedDomains: [String] = [domain], tls: Bool = false,
    minimumFreeBytes: Int64? = nil, directory: String? = nil,
    prepare: ((String) throws -> Void)? = nil, _ body: (ServerTestFixture) async throws -> T
  ) async throws -> T {
    let dir = try directory ?? makeTemporaryDirectory(label: label)
    let ownsDirectory = directory == nil
    defer { if ownsDirectory { try? FileManager.default.removeItem(atPath: dir) } }
    try prepare?(dir + "/data")
    let context = tls ? try makeTLSContext(in: dir) : nil
    var config = StoreConfig(dataDirectory: dir + "/data", hostedDomains: hostedDomains)
    if let minimumFreeBytes { config.minimumFreeBytes = minimumFreeBytes }
    let store = try await MailStore.open(config)
    let fixture: ServerTestFixture
    do {
      fixture = try ServerTestFixture(directory: dir, store: store, tlsContext: context)
    } catch {
      await store.close()
      throw error
    }
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

  /// A new directory `posta-<label>-XXXXXX` under the system temporary directory.
  public static func makeTemporaryDirectory(label: String) throws -> String {
    var template = Array((NSTemporaryDirectory() + "/posta-\(label)-XXXXXX").utf8CString)
    guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
    return String(cString: made)
  }

  /// A server context with a new self-signed certificate for localhost, its files in `dir`.
  public static func makeTLSContext(in dir: String) throws -> TLSContext {
    let made = try SelfSignedCertificate.generate(names: ["localhost", "127.0.0.1"])
    let cert = dir + "/cert.pem"
    let key = dir + "/key.pem"
    try made.certificatePEM.write(toFile: cert, atomically: true, encoding: .utf8)
    try made.keyPEM.write(toFile: key, atomically: true, encoding: .utf8)
    return try TLSContext.server(
      certificates: [TLSContext.CertificateFiles(certPath: cert, keyPath: key)])
  }

  /// `tlsContext` in the form the services take.
  public var tlsProvider: (@Sendable () -> TLSContext)? {
    guard let tlsContext else { return nil }
    return { tlsContext }
  }

  // MARK: - Accounts

  /// Creates `local@example.test` with `password`.
  @discardableResult
  public func addUser(
    _ local: String, password: String = "secret", quotaBytes: Int64? = nil
  ) async throws -> Account {
    let hash = try await hasher.hash(newPassword: password)
    return try await store.createAccount(
      address: "\(local)@\(Self.domain)", passwordHash: hash.storedBytes, quotaBytes: quotaBytes)
  }

  // MARK: - Sessions

  /// Starts `serve` on the server end of a new in-memory pair in its own task, which the
  /// fixture drops and awaits when it closes; returns both ends and the task (it ends when
  /// the session does).
  public func startSession(
    _ serve: @escaping @Sendable (MemoryStream) async -> Void
  ) -> (client: MemoryStream, session: Task<Void, Never>, server: MemoryStream) {
    let (clientEnd, serverEnd) = MemoryStream.pair()
    let task = Task { await serve(serverEnd) }
    sessions.withLock { $0.append((clientEnd, task)) }
    return (clientEnd, task, serverEnd)
  }

  /// Log lines with `event=NAME`.
  public func events(_ name: String) -> [String] {
    sink.lines.filter { $0.contains(" event=\(name) ") || $0.hasSuffix(" event=\(name)") }
  }
}

/// A protocol's test fixture built on a `ServerTestFixture`: tests reach the shared parts
/// through it (`f.store`, `f.addUser("alice")`), as if the fixture held them itself.
public protocol ServerTestFixtureBased: Sendable {
  var base: ServerTestFixture { get }
}

extension ServerTestFixtureBased {
  public static var domain: String { ServerTestFixture.domain }
  public static var loopback: SocketAddress { ServerTestFixture.loopback }
  /// A documentation address (RFC 5737): not loopback, so plaintext logins need TLS.
  public static var remote: SocketAddress { ServerTestFixture.remote }

  public var directory: String { base.directory }
  public var store: MailStore { base.store }
  public var sink: LogSink { base.sink }

  /// Creates `local@example.test` with `password`.
  @discardableResult
  public func addUser(
    _ local: String, password: String = "secret", quotaBytes: Int64? = nil
  ) async throws -> Account {
    try await base.addUser(local, password: password, quotaBytes: quotaBytes)
  }

  /// Log lines with `event=NAME`.
  public func events(_ name: String) -> [String] { base.events(name) }
}
