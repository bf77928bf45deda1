internal import CSQLite
import Foundation
import Log
import Synchronization

/// A write request. `run` executes inside the writer's transaction (in a savepoint of
/// its own) and returns the completion to call once the commit is known to be durable
/// (nil) or lost (an error). `fail` is called instead when `run` never succeeded.
struct WriteJob: Sendable {
  /// Adds data: refused while free disk space is under the configured minimum.
  let grows: Bool
  /// Counted in `StoreStatistics.deliveries` when it commits.
  let isDelivery: Bool
  let run: @Sendable (WriteContext) throws(StorageError) -> @Sendable (StorageError?) -> Void
  let fail: @Sendable (StorageError) -> Void
}

/// What a write job sees: the writer's connection, the batch's clock reading, and the
/// list of change events it produced (published only after the commit).
final class WriteContext {
  let db: SQLiteDatabase
  var now: Int64 = 0
  var events: [(MailboxID, MailboxChange)] = []

  init(db: SQLiteDatabase) { self.db = db }

  func emit(_ mailbox: MailboxID, _ change: MailboxChange) { events.append((mailbox, change)) }
}

/// Counters shared by the store's threads.
final class StoreCounters: Sendable {
  let commits = Atomic<Int>(0)
  let deliveries = Atomic<Int>(0)
  let writeJobs = Atomic<Int>(0)
  let checkpoints = Atomic<Int>(0)
  let unchangedBatches = Atomic<Int>(0)
}

/// The single writer thread and its group commit.
///
/// Callers enqueue jobs and suspend. The thread takes every job waiting (up to
/// `maxBatch`), runs each in a savepoint of one `BEGIN IMMEDIATE` transaction, and
/// commits once: one WAL fsync covers the whole batch. While it syncs, new jobs queue
/// up and form the next batch, so the more writers wait, the fewer fsyncs each costs.
/// A job that fails rolls back only its savepoint.
///
/// When a fast disk commits sooner than the callers just released can come back, the
/// batches would shrink to a few jobs each; so when the last batch had n > 1 jobs, the
/// writer waits for n jobs, at most `groupCommitWindowMicroseconds` (PostgreSQL's
/// `commit_delay` with `commit_siblings`, made adaptive). A lone writer never waits.
final class WriterThread: Sendable {
  let queue = BlockingQueue<WriteJob>()
  private let counters: StoreCounters
  private let feed: ChangeFeed
  private let config: StoreConfig
  private let finished = Mutex<CheckedContinuation<Void, Never>?>(nil)
  private let exited = Atomic<Bool>(false)

  /// WAL pages after which the writer checkpoints (SQLite's own default is the same).
  static let checkpointPages: Int32 = 1000
  /// How long the writer waits for more work before checkpointing what it wrote (ns).
  static let idleCheckpointDelay = 200_000_000

  private init(config: StoreConfig, counters: StoreCounters, feed: ChangeFeed) {
    self.config = config
    self.counters = counters
    self.feed = feed
  }

  /// Starts the thread: it opens the database, applies migrations and runs `setup`
  /// (domain mirror) before it reports ready.
  static func start(
    config: StoreConfig, path: String, counters: StoreCounters, feed: ChangeFeed,
    setup: @escaping @Sendable (SQLiteDatabase) throws(StorageError) -> Void
  ) async throws(StorageError) -> WriterThread {
    let writer = WriterThread(config: config, counters: counters, feed: feed)
    let ready: Result<Void, StorageError> = await withCheckedContinuation { c in
      let thread = Thread {
        writer.main(path: path, setup: setup) { c.resume(returning: $0) }
      }
      thread.name = "posta-store-writer"
      thread.start()
    }
    try ready.get()
    return writer
  }

  /// Stops taking jobs, lets the queued ones finish, and waits for the thread to exit.
  func stop() async {
    queue.close()
    await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
      let done = finished.withLock { slot -> Bool in
        if exited.load(ordering: .acquiring) { return true }
        slot = c
        return false
      }
      if done { c.resume() }
    }
  }

  private func main(
    path: String, setup: @Sendable (SQLiteDatabase) throws(StorageError) -> Void,
    ready: (Result<Void, StorageError>) -> Void
  ) {
    defer {
      let waiter = finished.withLock { slot -> CheckedContinuation<Void, Never>? in
        exited.store(true, ordering: .releasing)
        defer { slot = nil }
        return slot
      }
      waiter?.resume()
    }
    let db: SQLiteDatabase
    let walPages = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    walPages.pointee = 0
    defer { walPages.deallocate() }
    do throws(StorageError) {
      db = try SQLiteDatabase(path: path, busyTimeoutMS: config.busyTimeoutMilliseconds)
      let applied = try Schema.migrate(db, now: config.clock())
      if applied > 0 {
        config.logger?.info(
          "schema_migrated", ("applied", String(applied)),
          ("version", String(Schema.latestVersion)))
      }
      try setup(db)
    } catch {
      queue.close()
      ready(.failure(error))
      return
    }
    // The hook replaces SQLite's automatic checkpoint: the writer checkpoints itself
    // after a commit, and counts it.
    sqlite3_wal_hook(
      db.handle,
      { ctx, _, _, pages in
        ctx?.assumingMemoryBound(to: Int32.self).pointee = pages
        return SQLITE_OK
      }, walPages)
    ready(.success(()))

    let context = WriteContext(db: db)
    var lastBatch = 1
    let window = max(0, config.groupCommitWindowMicroseconds) * 1_000
    // Waiting for released writers pays off when they come straight back (in-process
    // callers); callers behind a network round trip (SMTP sessions) never make it
    // within the window, and each wait would only add latency. After a wait that ran
    // out, skip waiting for a few batches, then try again.
    var skipWaits = 0
    // PASSIVE: never waits for readers (this process's or another's).
    func checkpoint() {
      try? db.execute("PRAGMA wal_checkpoint(PASSIVE)")
      walPages.pointee = 0
      counters.checkpoints.add(1, ordering: .relaxed)
    }
    while true {
      // Once writing pauses, fold the WAL back into the database file: readers then read
      // straight from the file (through their mapping) instead of looking pages up in
      // the WAL and copying them, until the next burst of writes.
      if walPages.pointee > 0 && !queue.waitForItems(nanoseconds: Self.idleCheckpointDelay) {
        checkpoint()
        continue
      }
      let gather = skipWaits > 0 ? 1 : min(lastBatch, config.maxBatch)
      let (batch, timedOut) = queue.popBatchReportingWait(
        max: config.maxBatch, gather: gather, window: window)
      if batch.isEmpty { break }
      if skipWaits > 0 {
        skipWaits -= 1
      } else if timedOut {
        skipWaits = Self.batchesWithoutWaitAfterTimeout
      }
      lastBatch = batch.count
      runBatch(batch, context)
      if walPages.pointee >= Self.checkpointPages { checkpoint() }
    }
    // PASSIVE: never wait for other processes' readers while shutting down.
    try? db.execute("PRAGMA wal_checkpoint(PASSIVE)")
  }

  /// How many batches go without a gathering wait after one ran out.
  static let batchesWithoutWaitAfterTimeout = 8

  private func runBatch(_ batch: [WriteJob], _ ctx: WriteContext) {
    let db = ctx.db
    ctx.now = config.clock()
    var spaceLow = false
    if config.minimumFreeBytes > 0, let free = FileSystem.freeBytes(config.dataDirectory) {
      spaceLow = free < config.minimumFreeBytes
    }
    do throws(StorageError) {
      try db.run("BEGIN IMMEDIATE")
    } catch {
      for job in batch { job.fail(error) }
      return
    }
    let changesBefore = sqlite3_total_changes64(db.handle)
    var done: [(job: WriteJob, complete: @Sendable (StorageError?) -> Void)] = []
    var events: [(MailboxID, MailboxChange)] = []
    for (index, job) in batch.enumerated() {
      counters.writeJobs.add(1, ordering: .relaxed)
      if job.grows && spaceLow {
        job.fail(.diskFull("free space under data_dir is below the configured minimum"))
        continue
      }
      ctx.events.removeAll(keepingCapacity: true)
      do throws(StorageError) {
        try db.run("SAVEPOINT job")
        let complete = try job.run(ctx)
        try db.run("RELEASE job")
        done.append((job, complete))
        events.append(contentsOf: ctx.events)
      } catch {
        if db.inTransaction {
          try? db.run("ROLLBACK TO job")
          try? db.run("RELEASE job")
          job.fail(error)
          continue
        }
        // SQLite gave up the whole transaction (e.g. an I/O error): this job fails,
        // the others run again in the next batch.
        job.fail(error)
        queue.pushFront(done.map(\.job) + batch[(index + 1)...])
        logError("write transaction rolled back", error)
        return
      }
    }
    if done.isEmpty {
      try? db.execute("ROLLBACK")
      return
    }
    // Jobs that changed no row (a \Seen already set, a POP3 client retrieving its mail
    // again) have nothing to make durable: committing would still write the change
    // counter's page, fsync the WAL, and make every reader drop its cache and mapping
    // at its next transaction. A job rolled back to its savepoint still counts, which
    // only costs a needless commit.
    if sqlite3_total_changes64(db.handle) == changesBefore {
      try? db.execute("ROLLBACK")
      counters.unchangedBatches.add(1, ordering: .relaxed)
      feed.publish(events)
      for d in done { d.complete(nil) }
      return
    }
    do throws(StorageError) {
      try db.run("UPDATE meta SET value = value + 1 WHERE key = 'change_counter'")
      try db.run("COMMIT")
    } catch {
      if db.inTransaction { try? db.execute("ROLLBACK") }
      logError("commit failed", error)
      for d in done { d.complete(error) }
      return
    }
    counters.commits.add(1, ordering: .relaxed)
    let deliveries = done.reduce(0) { $0 + ($1.job.isDelivery ? 1 : 0) }
    if deliveries > 0 { counters.deliveries.add(deliveries, ordering: .relaxed) }
    feed.publish(events)
    for d in done { d.complete(nil) }
  }

  private func logError(_ event: String, _ error: StorageError) {
    config.logger?.error(event, ("error", error.description))
  }
}
