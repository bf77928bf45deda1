import Foundation
import Synchronization

/// A read request: runs on a reader thread with that thread's connection.
struct ReadJob: Sendable {
  let run: @Sendable (SQLiteDatabase) -> Void
}

/// A few reader threads, each with its own connection. In WAL mode readers never block
/// the writer nor each other; each read sees the last commit made before it started.
final class ReaderPool: Sendable {
  /// How much of the database file each reader maps (address space, not memory; SQLite
  /// caps it at its build's maximum, 2 GB for Debian's); beyond it, pages are read the
  /// ordinary way.
  static let mappedBytes = 1 << 31
  let queue = BlockingQueue<ReadJob>()
  private let remaining: Mutex<(running: Int, waiter: CheckedContinuation<Void, Never>?)>

  private init(count: Int) {
    remaining = Mutex((count, nil))
  }

  static func start(count: Int, path: String, busyTimeoutMS: Int32) async throws(StorageError)
    -> ReaderPool
  {
    let pool = ReaderPool(count: count)
    let results = Mutex<[StorageError]>([])
    for i in 0..<count {
      let opened: Result<Void, StorageError> = await withCheckedContinuation { c in
        let thread = Thread {
          pool.main(path: path, busyTimeoutMS: busyTimeoutMS) { c.resume(returning: $0) }
        }
        thread.name = "posta-store-reader-\(i)"
        thread.start()
      }
      if case .failure(let e) = opened { results.withLock { $0.append(e) } }
    }
    if let first = results.withLock({ $0.first }) {
      await pool.stop()
      throw first
    }
    return pool
  }

  /// Lets queued reads finish, then waits for every thread to exit.
  func stop() async {
    queue.close()
    await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
      let done = remaining.withLock { r -> Bool in
        if r.running == 0 { return true }
        r.waiter = c
        return false
      }
      if done { c.resume() }
    }
  }

  private func main(
    path: String, busyTimeoutMS: Int32, ready: (Result<Void, StorageError>) -> Void
  ) {
    defer {
      let waiter = remaining.withLock { r -> CheckedContinuation<Void, Never>? in
        r.running -= 1
        guard r.running == 0 else { return nil }
        defer { r.waiter = nil }
        return r.waiter
      }
      waiter?.resume()
    }
    let db: SQLiteDatabase
    do {
      db = try SQLiteDatabase(path: path, busyTimeoutMS: busyTimeoutMS)
      // Readers see the database file through a mapping: a message body is read
      // straight from the page cache instead of pread-copied into SQLite's own cache
      // first (the copies were a tenth of a POP3 download's server CPU). Only reads
      // use it; the writer keeps ordinary I/O.
      try db.execute("PRAGMA mmap_size=\(Self.mappedBytes)")
    } catch {
      ready(.failure(error))
      return
    }
    ready(.success(()))
    while let job = queue.pop() { job.run(db) }
  }
}
