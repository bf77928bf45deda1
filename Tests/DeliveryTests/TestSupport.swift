import Delivery
import Foundation
import Glibc
import Log
import Net
import Storage
import Synchronization
import TLS

/// A fresh directory under the system temp directory.
struct TemporaryDirectory {
  let path: String

  init() throws {
    var template = Array((NSTemporaryDirectory() + "/posta-delivery-XXXXXX").utf8CString)
    guard let p = mkdtemp(&template) else { throw POSIXError(.EIO) }
    path = String(cString: p)
  }

  func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A clock tests move by hand (Unix seconds).
final class TestClock: Sendable {
  let now = Atomic<Int64>(1_700_000_000)
  var read: @Sendable () -> Int64 { { [self] in now.load(ordering: .relaxed) } }
  func advance(_ seconds: Int64) { now.add(seconds, ordering: .relaxed) }
}

/// One self-signed certificate for every test that needs TLS (RSA key generation is slow).
enum TestCertificate {
  static let names = ["mx.fake.test", "smarthost.test", "127.0.0.1"]
  static let files: TLSContext.CertificateFiles = {
    let dir = try! TemporaryDirectory()
    let made = try! SelfSignedCertificate.ensure(directory: dir.path + "/cert", names: names)
    return TLSContext.CertificateFiles(certPath: made.certPath, keyPath: made.keyPath)
  }()
  static let serverContext: TLSContext = try! TLSContext.server(certificates: [files])
}

/// Settings with timeouts in milliseconds and no waiting between polls.
func testSettings(clock: TestClock? = nil) -> DeliverySettings {
  var s = DeliverySettings(hostname: "mail.a.test")
  // Generous (60 s greeting): the suite shares two cores; timeout tests set their own.
  s.timeouts = SMTPClientTimeouts.rfc5321.scaled(by: 0.2)
  s.pollInterval = .milliseconds(20)
  if let clock { s.clock = clock.read }
  return s
}

/// A client for `settings` (TLS contexts built from them).
func makeClient(_ settings: DeliverySettings, reactor: Reactor, logger: Logger? = nil) throws
  -> SMTPClient
{
  SMTPClient(
    settings: settings, reactor: reactor, tls: try ClientTLS(settings: settings), logger: logger)
}

/// A logger whose lines the test can read.
func capturingLogger() -> (Logger, LogSink) {
  let sink = LogSink.capturing(level: .debug)
  return (Logger(sink: sink, component: "delivery-test"), sink)
}

/// Waits until `condition` holds, checking every 10 ms; fails the test after `limit`
/// (a safety net against hangs, not a timing assertion).
func eventually(
  _ what: String, limit: Duration = .seconds(20), _ condition: () async throws -> Bool
) async throws {
  let deadline = ContinuousClock.now + limit
  while ContinuousClock.now < deadline {
    if try await condition() { return }
    try await Task.sleep(for: .milliseconds(10))
  }
  throw TestFailure("timed out waiting for: \(what)")
}

struct TestFailure: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// A store in a fresh directory for `a.test` (local) with alice@a.test, closed and removed
/// after `body`.
func withStore<T>(
  clock: TestClock? = nil, _ body: (MailStore, Account) async throws -> T
) async throws -> T {
  let dir = try TemporaryDirectory()
  defer { dir.remove() }
  var config = StoreConfig(dataDirectory: dir.path + "/data", hostedDomains: ["a.test"])
  config.minimumFreeBytes = 0
  if let clock { config.clock = clock.read }
  let store = try await MailStore.open(config)
  do {
    let alice = try await store.createAccount(address: "alice@a.test", passwordHash: nil)
    let result = try await body(store, alice)
    await store.close()
    return result
  } catch {
    await store.close()
    throw error
  }
}

extension MailStore {
  /// Queues `message` from `sender` to remote `recipients`, as the SMTP server would.
  @discardableResult
  func enqueue(
    _ message: [UInt8], from sender: String, to recipients: [String], params: String = "",
    recipientParams: [String: String] = [:]
  )
    async throws -> QueueID
  {
    let receipt = try await deliver(
      Delivery(
        body: .bytes(message), targets: [],
        outbound: OutboundEnvelope(
          sender: sender, recipients: recipients, params: params,
          recipientParams: recipientParams)))
    return receipt.queueID!
  }

  /// The bodies of the messages in `account`'s INBOX, oldest first.
  func inboxMessages(_ account: AccountID) async throws -> [[UInt8]] {
    guard let box = try await mailbox(of: account, named: "INBOX") else { return [] }
    var out: [[UInt8]] = []
    for m in try await messages(in: box.id) { out.append(try await bodyBytes(m.body)) }
    return out
  }
}

/// A small RFC 5322 message.
func sampleMessage(from: String = "alice@a.test", to: String = "bob@b.test", body: String = "Hi.")
  -> [UInt8]
{
  Array(
    """
    From: Alice <\(from)>\r
    To: <\(to)>\r
    Subject: test message\r
    Message-ID: <t1@a.test>\r
    \r
    \(body)\r

    """.utf8)
}

extension String {
  var bytes: [UInt8] { Array(utf8) }
}
