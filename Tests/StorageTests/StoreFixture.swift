import Foundation
import Glibc
import Storage
import Synchronization

/// A fresh data directory and store per test, removed afterwards.
struct StoreFixture {
  static let domains = ["example.test", "other.test"]

  /// Runs `body` with a new store in a new temporary directory.
  @discardableResult
  static func with<T>(
    domains: [String] = domains, minimumFreeBytes: Int64 = 0,
    clock: (@Sendable () -> Int64)? = nil, groupCommitWindowMicroseconds: Int? = nil,
    _ body: (MailStore, String) async throws -> T
  ) async throws -> T {
    let dir = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var config = StoreConfig(dataDirectory: dir + "/data", hostedDomains: domains)
    config.minimumFreeBytes = minimumFreeBytes
    if let clock { config.clock = clock }
    if let w = groupCommitWindowMicroseconds { config.groupCommitWindowMicroseconds = w }
    let store = try await MailStore.open(config)
    do {
      let result = try await body(store, dir)
      await store.close()
      return result
    } catch {
      await store.close()
      throw error
    }
  }

  static func makeTemporaryDirectory() throws -> String {
    var template = Array((NSTemporaryDirectory() + "/posta-storage-XXXXXX").utf8CString)
    guard let p = mkdtemp(&template) else { throw POSIXError(.EIO) }
    return String(cString: p)
  }

  /// A test message of `size` bytes whose content is derived from `seed`.
  static func message(_ seed: Int, size: Int = 4096) -> [UInt8] {
    var out = Array("Subject: test \(seed)\r\n\r\n".utf8)
    var x = UInt64(truncatingIfNeeded: seed) &* 0x9E37_79B9_7F4A_7C15 | 1
    while out.count < size {
      x ^= x << 13
      x ^= x >> 7
      x ^= x << 17
      out.append(UInt8(ascii: "a") + UInt8(x % 26))
      if out.count % 78 == 0 { out += [13, 10] }
    }
    return Array(out.prefix(size))
  }
}

extension MailStore {
  /// Creates an account with a dummy password hash.
  func makeAccount(_ address: String, quotaBytes: Int64? = nil, quotaMessages: Int64? = nil)
    async throws -> Account
  {
    try await createAccount(
      address: address, passwordHash: Array("hash".utf8), quotaBytes: quotaBytes,
      quotaMessages: quotaMessages)
  }

  func inbox(_ account: AccountID) async throws -> Mailbox {
    guard let box = try await mailbox(of: account, named: "INBOX") else {
      throw StorageError.mailboxNotFound("INBOX")
    }
    return box
  }

  /// Delivers `bytes` to the INBOX of each account.
  @discardableResult
  func deliverBytes(_ bytes: [UInt8], to accounts: [AccountID], metadata: [UInt8]? = nil)
    async throws -> DeliveryReceipt
  {
    try await deliver(
      Delivery(
        body: .bytes(bytes), targets: accounts.map { DeliveryTarget(account: $0) },
        metadata: metadata))
  }
}

/// A clock tests move by hand.
final class TestClock: Sendable {
  let now = Atomic<Int64>(1_700_000_000)
  var read: @Sendable () -> Int64 { { [self] in now.load(ordering: .relaxed) } }
  func advance(_ seconds: Int64) { now.add(seconds, ordering: .relaxed) }
}
