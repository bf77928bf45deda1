// Store micro-benchmark: deliveries/s and commits (= WAL fsyncs) per delivery for 4 KB
// messages with 1, 8 and 64 concurrent writers, each writer waiting for its
// acknowledgement before the next delivery (as an SMTP session does).
// Built and run by run.sh beside it; see README.md.
import Foundation
import Glibc
import Storage

@main
struct StoreBench {
  static func main() async throws {
    let args = CommandLine.arguments.dropFirst()
    let writerCounts = args.isEmpty ? [1, 8, 64] : args.compactMap { Int($0) }
    let base = ProcessInfo.processInfo.environment["BENCH_DIR"] ?? NSTemporaryDirectory()
    print("writers  deliveries  seconds  deliveries/s  commits  commits/delivery  cpu_us/delivery")
    for writers in writerCounts {
      let total = writers == 1 ? 1_000 : 8_000
      let dir = base + "/posta-store-bench-\(getpid())-\(writers)"
      defer { try? FileManager.default.removeItem(atPath: dir) }
      var config = StoreConfig(dataDirectory: dir, hostedDomains: ["bench.test"])
      config.minimumFreeBytes = 0
      let store = try await MailStore.open(config)
      let account = try await store.createAccount(address: "u@bench.test", passwordHash: nil)
      let message = (0..<4096).map { UInt8(ascii: "a") + UInt8($0 % 26) }
      // Warm up: page cache, statement caches, WAL file.
      for _ in 0..<50 { try await deliver(store, message, account.id) }
      let before = store.statistics()
      let cpu0 = cpuMicroseconds()
      let t0 = monotonicSeconds()
      try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<writers {
          group.addTask {
            for _ in 0..<(total / writers) { try await deliver(store, message, account.id) }
          }
        }
        try await group.waitForAll()
      }
      let seconds = monotonicSeconds() - t0
      let cpu = cpuMicroseconds() - cpu0
      let after = store.statistics()
      let n = after.deliveries - before.deliveries
      let commits = after.commits - before.commits
      await store.close()
      print(
        pad(writers, 7), pad(n, 11), pad(String(format: "%.2f", seconds), 8),
        pad(String(format: "%.0f", Double(n) / seconds), 13), pad(commits, 8),
        pad(String(format: "%.3f", Double(commits) / Double(n)), 17),
        pad(String(format: "%.0f", Double(cpu) / Double(n)), 16))
      fflush(nil)
    }
  }

  static func deliver(_ store: MailStore, _ bytes: [UInt8], _ account: AccountID) async throws {
    _ = try await store.deliver(
      Delivery(body: .bytes(bytes), targets: [DeliveryTarget(account: account)]))
  }

  static func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
  }

  /// User + system CPU time of the whole process.
  static func cpuMicroseconds() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1_000_000 + usage.ru_utime.tv_usec
      + usage.ru_stime.tv_usec
  }

  static func pad(_ v: some CustomStringConvertible, _ width: Int) -> String {
    let s = v.description
    return String(repeating: " ", count: max(0, width - s.count)) + s
  }
}
