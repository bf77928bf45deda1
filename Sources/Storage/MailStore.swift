import Synchronization

/// The mail store: one SQLite database under `data_dir`, one writer thread with group
/// commit, a few reader threads, and the per-mailbox change feed. See `Storage.swift`
/// for what it owns and why it is built this way.
///
/// Every function is `async` and runs its SQL on the store's own threads, never on the
/// cooperative pool. Writes return once their transaction is durable. A task cancelled
/// while waiting does not cancel the write (it may already be committed).
public final class MailStore: Sendable {
  /// The database file name inside `data_dir`.
  public static let databaseFileName = "posta.db"

  public let config: StoreConfig
  let writer: WriterThread
  let readers: ReaderPool
  let feed: ChangeFeed
  let counters: StoreCounters
  private let hosted: Mutex<Set<String>>
  /// Domains declared in the configuration now (a reload may change them).
  var hostedDomains: Set<String> { hosted.withLock { $0 } }
  let pop3Locks = POP3Locks()
  private let isClosed = Atomic<Bool>(false)

  private init(
    config: StoreConfig, writer: WriterThread, readers: ReaderPool, feed: ChangeFeed,
    counters: StoreCounters
  ) {
    self.config = config
    self.writer = writer
    self.readers = readers
    self.feed = feed
    self.counters = counters
    self.hosted = Mutex(Set(config.hostedDomains.map { $0.lowercased() }))
  }

  deinit {
    // Threads exit once their queues are closed and drained; they do not hold the store.
    writer.queue.close()
    readers.queue.close()
  }

  /// Opens the store: creates `data_dir` and the database if missing, applies migrations,
  /// mirrors the hosted domains, and starts the writer and reader threads. Works whether
  /// or not another process (the server, a CLI command) has the database open.
  public static func open(_ config: StoreConfig) async throws(StorageError) -> MailStore {
    try FileSystem.makeDirectories(config.dataDirectory)
    let path = config.databasePath
    if !FileSystem.exists(path) { try FileSystem.createPrivateFile(path) }
    let counters = StoreCounters()
    let feed = ChangeFeed()
    let domains = config.hostedDomains.map { $0.lowercased() }
    let writer = try await WriterThread.start(
      config: config, path: path, counters: counters, feed: feed
    ) { db throws(StorageError) in
      try mirrorDomains(db, domains)
    }
    let readers: ReaderPool
    do throws(StorageError) {
      readers = try await ReaderPool.start(
        count: max(1, config.readerThreads), path: path,
        busyTimeoutMS: config.busyTimeoutMilliseconds)
    } catch {
      await writer.stop()
      throw error
    }
    config.logger?.info(
      "store_opened", ("path", path), ("schema", String(Schema.latestVersion)),
      ("readers", String(config.readerThreads)))
    return MailStore(
      config: config, writer: writer, readers: readers, feed: feed, counters: counters)
  }

  /// Finishes queued work, checkpoints the WAL and stops the threads. Calls made after
  /// this fail with `.closed`.
  public func close() async {
    if isClosed.exchange(true, ordering: .acquiringAndReleasing) { return }
    await writer.stop()
    await readers.stop()
  }

  /// Counters since open: commits (= WAL fsyncs), deliveries, write jobs, checkpoints.
  public func statistics() -> StoreStatistics {
    StoreStatistics(
      commits: counters.commits.load(ordering: .relaxed),
      deliveries: counters.deliveries.load(ordering: .relaxed),
      writeJobs: counters.writeJobs.load(ordering: .relaxed),
      checkpoints: counters.checkpoints.load(ordering: .relaxed),
      unchangedBatches: counters.unchangedBatches.load(ordering: .relaxed))
  }

  /// A counter bumped by every write transaction of any process (this server or a CLI
  /// command). Caches and the queue runner poll it (at least once a second) and reload
  /// when it moved.
  public func changeCounter() async throws(StorageError) -> Int64 {
    try await read { db throws(StorageError) in
      try db.scalar("SELECT value FROM meta WHERE key = 'change_counter'") ?? 0
    }
  }

  /// Domains declared in the configuration, sorted, each with its number of accounts.
  public func domainSummaries() async throws(StorageError) -> [DomainSummary] {
    let hosted = hostedDomains.sorted()
    return try await read { db throws(StorageError) in
      var counts: [String: Int] = [:]
      try db.query("SELECT domain, count(*) FROM accounts GROUP BY domain", []) { s in
        counts[s.text(0)] = Int(s.int(1))
      }
      return hosted.map { DomainSummary(name: $0, accounts: counts[$0] ?? 0) }
    }
  }

  /// Whether `domain` is declared in the configuration (case-insensitive).
  public func isHosted(domain: String) -> Bool { hostedDomains.contains(domain.lowercased()) }

  /// Replaces the hosted domains after a configuration reload: recipients in a new
  /// domain resolve at once, and the mirrored `domains` table follows.
  public func setHostedDomains(_ domains: [String]) async throws(StorageError) {
    let lowered = domains.map { $0.lowercased() }
    try await write { ctx throws(StorageError) in
      try ctx.db.run("DELETE FROM domains")
      for d in Set(lowered) { try ctx.db.run("INSERT INTO domains (name) VALUES (?)", .text(d)) }
    }
    hosted.withLock { $0 = Set(lowered) }
  }

  // MARK: - Bridges to the store's threads

  /// Runs `work` on the writer thread inside the current batch's transaction and returns
  /// once that transaction committed (durably) or failed.
  func write<T: Sendable>(
    grows: Bool = false, isDelivery: Bool = false,
    _ work: @escaping @Sendable (WriteContext) throws(StorageError) -> T
  ) async throws(StorageError) -> T {
    let result: Result<T, StorageError> = await withCheckedContinuation { c in
      let job = WriteJob(
        grows: grows, isDelivery: isDelivery,
        run: { ctx throws(StorageError) in
          let value = try work(ctx)
          return { error in c.resume(returning: error.map { .failure($0) } ?? .success(value)) }
        },
        fail: { c.resume(returning: .failure($0)) })
      if !writer.queue.push(job) { c.resume(returning: .failure(.closed)) }
    }
    return try result.get()
  }

  /// Runs `work` on a reader thread with its own connection.
  func read<T: Sendable>(
    _ work: @escaping @Sendable (SQLiteDatabase) throws(StorageError) -> T
  ) async throws(StorageError) -> T {
    // Unsafe: a reader runs each job exactly once, and a job refused by a closed queue
    // is answered here instead; the checked variant cost an allocation per read.
    let result: Result<T, StorageError> = await withUnsafeContinuation { c in
      let job = ReadJob { db in
        do throws(StorageError) {
          c.resume(returning: .success(try work(db)))
        } catch {
          c.resume(returning: .failure(error))
        }
      }
      if !readers.queue.push(job) { c.resume(returning: .failure(.closed)) }
    }
    return try result.get()
  }

  /// Mirrors the configured domains into the `domains` table (the config stays the
  /// source of truth; the table lets SQL and other tools see the list).
  private static func mirrorDomains(_ db: SQLiteDatabase, _ domains: [String])
    throws(StorageError)
  {
    try db.execute("BEGIN IMMEDIATE")
    do throws(StorageError) {
      try db.run("DELETE FROM domains")
      for d in Set(domains) { try db.run("INSERT INTO domains (name) VALUES (?)", .text(d)) }
      try db.execute("COMMIT")
    } catch {
      if db.inTransaction { try? db.execute("ROLLBACK") }
      throw error
    }
  }
}
