import Foundation
import Glibc
import Testing

@testable import Storage

/// Crash safety: a child process delivers in a loop and prints each acknowledged
/// delivery; the parent `kill -9`s it mid-way, reopens the store, and checks that every
/// acknowledged message is there and complete and that nothing half-written is.
///
/// The child is this test binary run again (`/proc/self/exe --testing-library
/// swift-testing --filter crashChildDeliveryLoop`) with `POSTA_STORAGE_CRASH_CHILD`
/// naming the data directory; that test is disabled unless the variable is set.
@Suite struct CrashSafetyTests {
  static let childVariable = "POSTA_STORAGE_CRASH_CHILD"
  static let account = "crash@example.test"

  /// Message `seed`'s size: mostly small, every seventh spans several 64 KiB chunks.
  static func size(_ seed: Int) -> Int { seed % 7 == 0 ? 200_000 + seed : 1_000 + (seed % 50) * 97 }

  @Test(.enabled(if: ProcessInfo.processInfo.environment[childVariable] != nil))
  func crashChildDeliveryLoop() async throws {
    let dir = try #require(ProcessInfo.processInfo.environment[Self.childVariable])
    var config = StoreConfig(dataDirectory: dir, hostedDomains: StoreFixture.domains)
    config.minimumFreeBytes = 0
    let store = try await MailStore.open(config)
    let account = try #require(try await store.account(address: Self.account))
    try await withThrowingTaskGroup(of: Void.self) { group in
      for writer in 0..<8 {
        group.addTask {
          // Bounded, in case the parent died without killing us.
          for i in 0..<20_000 {
            let seed = i * 8 + writer
            let r = try await store.deliverBytes(
              StoreFixture.message(seed, size: Self.size(seed)), to: [account.id])
            guard case .stored(_, let uid, _) = r.outcomes[0] else { return }
            // One write(2) per line, unbuffered: the parent may kill us right after.
            let line = Array("ACK \(seed) \(uid)\n".utf8)
            _ = line.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
          }
        }
      }
      try await group.waitForAll()
    }
  }

  @Test func killDashNineMidDeliveryLosesNothingAcknowledged() async throws {
    try await StoreFixture.with { store, dir in
      let account = try await store.makeAccount(Self.account)
      await store.close()
      let dataDir = dir + "/data"

      let acked = try Self.runChildAndKill(dataDir: dataDir, after: 300)
      #expect(acked.count >= 300)

      var config = StoreConfig(dataDirectory: dataDir, hostedDomains: StoreFixture.domains)
      config.minimumFreeBytes = 0
      let reopened = try await MailStore.open(config)
      let inbox = try await reopened.inbox(account.id)
      let messages = try await reopened.messages(in: inbox.id)
      let byUID = Dictionary(uniqueKeysWithValues: messages.map { ($0.uid, $0) })
      // Every acknowledged delivery is there, under the UID it was acknowledged with,
      // complete.
      for (seed, uid) in acked {
        let m = try #require(byUID[uid], "acknowledged UID \(uid) missing")
        let expected = StoreFixture.message(seed, size: Self.size(seed))
        #expect(m.size == Int64(expected.count))
        #expect(try await reopened.bodyBytes(m.body) == expected, "UID \(uid) differs")
      }
      // Anything else that made it (committed but not yet acknowledged) is whole too.
      for m in messages where !acked.values.contains(m.uid) {
        let bytes = try await reopened.bodyBytes(m.body)
        let seed = Self.seed(of: bytes) ?? -1
        #expect(
          seed >= 0 && bytes == StoreFixture.message(seed, size: Self.size(seed)), "UID \(m.uid)")
      }
      let after = try #require(try await reopened.account(id: account.id))
      #expect(after.usedMessages == Int64(messages.count))
      #expect(after.usedBytes == messages.reduce(0) { $0 + $1.size })
      #expect(inbox.uidNext > messages.map(\.uid).max() ?? 0)
      await reopened.close()

      // No orphan body or chunk, and SQLite finds the file sound.
      let db = try SQLiteDatabase(path: dataDir + "/posta.db", busyTimeoutMS: 1000)
      #expect(try db.queryOne("PRAGMA integrity_check") { $0.text(0) } == "ok")
      #expect(try db.scalar("SELECT count(*) FROM bodies") == Int64(messages.count))
      #expect(
        try db.scalar(
          "SELECT count(*) FROM body_chunks WHERE body_id NOT IN (SELECT id FROM bodies)") == 0)
      #expect(try db.scalar("SELECT count(*) FROM bodies WHERE refs != 1") == 0)
    }
  }

  /// Runs the child until it acknowledged `count` deliveries, kills it with SIGKILL,
  /// and returns every acknowledgement it printed (seed → UID).
  static func runChildAndKill(dataDir: String, after count: Int) throws -> [Int: UInt32] {
    let child = Process()
    child.executableURL = URL(fileURLWithPath: "/proc/self/exe")
    child.arguments = ["--testing-library", "swift-testing", "--filter", "crashChildDeliveryLoop"]
    var env = ProcessInfo.processInfo.environment
    env[childVariable] = dataDir
    child.environment = env
    let out = Pipe()
    child.standardOutput = out
    child.standardError = FileHandle.nullDevice
    try child.run()
    let reader = out.fileHandleForReading
    var acked: [Int: UInt32] = [:]
    var pending = ""
    var killed = false
    func take(_ data: Data) {
      pending += String(decoding: data, as: UTF8.self)
      while let nl = pending.firstIndex(of: "\n") {
        let line = pending[..<nl]
        pending = String(pending[pending.index(after: nl)...])
        let parts = line.split(separator: " ")
        if parts.count == 3, parts[0] == "ACK", let seed = Int(parts[1]), let uid = UInt32(parts[2])
        {
          acked[seed] = uid
        }
      }
    }
    while true {
      let data = reader.availableData
      if data.isEmpty { break }
      take(data)
      if !killed && acked.count >= count {
        kill(child.processIdentifier, SIGKILL)
        killed = true
      }
    }
    child.waitUntilExit()
    #expect(killed, "the child exited before it was killed")
    #expect(child.terminationReason == .uncaughtSignal && child.terminationStatus == SIGKILL)
    return acked
  }

  /// The seed in a test message's `Subject: test N` first line.
  static func seed(of bytes: [UInt8]) -> Int? {
    let prefix = Array("Subject: test ".utf8)
    guard bytes.starts(with: prefix) else { return nil }
    let digits = bytes[prefix.count...].prefix {
      $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")
    }
    return Int(String(decoding: digits, as: UTF8.self))
  }
}
