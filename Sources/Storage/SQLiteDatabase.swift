internal import CSQLite
import Glibc

/// A value bound to or read from SQL.
enum SQLValue {
  case null
  case int(Int64)
  case text(String)
  case blob([UInt8])
}

/// One SQLite connection, used by exactly one thread (the writer or one reader),
/// so it is opened in multi-thread mode without SQLite's per-call mutex.
///
/// Prepared statements are cached per SQL text. Callers go through `withStatement`,
/// which resets and clears bindings afterwards, so a statement never keeps a read
/// transaction open between calls.
final class SQLiteDatabase {
  let handle: OpaquePointer
  let path: String
  private var cache: [String: SQLiteStatement] = [:]

  /// Opens (creating if needed) the database at `path` and applies the pragmas every
  /// connection needs: WAL, `synchronous=FULL`, foreign keys and the busy timeout.
  init(path: String, busyTimeoutMS: Int32) throws(StorageError) {
    var db: OpaquePointer?
    let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
    let rc = sqlite3_open_v2(path, &db, flags, nil)
    guard rc == SQLITE_OK, let db else {
      let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
      if let db { sqlite3_close_v2(db) }
      throw .database(code: rc, message: "opening \(path): \(message)")
    }
    handle = db
    self.path = path
    sqlite3_extended_result_codes(db, 1)
    sqlite3_busy_timeout(db, busyTimeoutMS)
    // journal_mode=WAL is persistent in the file; setting it again is a no-op. It needs
    // a lock only the first time, which the busy timeout covers for concurrent CLIs.
    try execute("PRAGMA journal_mode=WAL")
    // FULL syncs the WAL at every commit: a commit that returned is on disk.
    try execute("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON")
  }

  deinit {
    for s in cache.values { s.finalize() }
    sqlite3_close_v2(handle)
  }

  /// Runs one or more statements that return no rows.
  func execute(_ sql: String) throws(StorageError) {
    var err: UnsafeMutablePointer<CChar>?
    let rc = sqlite3_exec(handle, sql, nil, nil, &err)
    if rc != SQLITE_OK {
      let message = err.map { String(cString: $0) } ?? ""
      sqlite3_free(err)
      throw mapError(rc, message)
    }
  }

  /// Runs `body` with a cached statement for `sql`, bound to `args`, and resets it after.
  /// A statement already in use further up the stack gets a private copy.
  func withStatement<T>(
    _ sql: String, _ args: [SQLValue],
    _ body: (SQLiteStatement) throws(StorageError) -> T
  ) throws(StorageError) -> T {
    let stmt: SQLiteStatement
    var temporary = false
    if let s = cache[sql], !s.inUse {
      stmt = s
    } else {
      stmt = try prepare(sql)
      if cache[sql] == nil { cache[sql] = stmt } else { temporary = true }
    }
    stmt.inUse = true
    defer {
      stmt.reset()
      stmt.inUse = false
      if temporary { stmt.finalize() }
    }
    try stmt.bind(args)
    return try body(stmt)
  }

  /// Runs a statement that returns no rows (or whose rows are ignored).
  func run(_ sql: String, _ args: SQLValue...) throws(StorageError) {
    try withStatement(sql, args) { s throws(StorageError) in
      while try s.step() {}
    }
  }

  /// Runs a query and calls `row` for each result row.
  func query(
    _ sql: String, _ args: [SQLValue], row: (SQLiteStatement) throws(StorageError) -> Void
  ) throws(StorageError) {
    try withStatement(sql, args) { s throws(StorageError) in
      while try s.step() { try row(s) }
    }
  }

  /// The first row mapped by `map`, or nil when there is none.
  func queryOne<T>(
    _ sql: String, _ args: SQLValue..., map: (SQLiteStatement) throws(StorageError) -> T
  ) throws(StorageError) -> T? {
    try withStatement(sql, args) { s throws(StorageError) -> T? in
      try s.step() ? try map(s) : nil
    }
  }

  /// The integer in the first column of the first row, or nil.
  func scalar(_ sql: String, _ args: SQLValue...) throws(StorageError) -> Int64? {
    try withStatement(sql, args) { s throws(StorageError) -> Int64? in
      guard try s.step(), !s.isNull(0) else { return nil }
      return s.int(0)
    }
  }

  var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
  var changes: Int { Int(sqlite3_changes(handle)) }
  /// True while a transaction is open (SQLite rolls back on its own after some errors).
  var inTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

  /// Runs `body` inside one deferred read transaction, so its queries see one snapshot.
  func readTransaction<T>(_ body: () throws(StorageError) -> T) throws(StorageError) -> T {
    // Cached statements, not sqlite3_exec: these run for every read, so skip the parse.
    try run("BEGIN")
    do throws(StorageError) {
      let r = try body()
      try run("COMMIT")
      return r
    } catch {
      if inTransaction { try? execute("ROLLBACK") }
      throw error
    }
  }

  func prepare(_ sql: String) throws(StorageError) -> SQLiteStatement {
    var stmt: OpaquePointer?
    let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
    guard rc == SQLITE_OK, let stmt else { throw mapError(rc, "preparing: \(sql)") }
    return SQLiteStatement(stmt, db: self)
  }

  /// Turns a result code into the store's error: a full disk (SQLITE_FULL, or an I/O
  /// error whose errno is ENOSPC) and lock timeouts get their own cases.
  func mapError(_ rc: Int32, _ context: String = "") -> StorageError {
    let primary = rc & 0xff
    let message = String(cString: sqlite3_errmsg(handle))
    let detail = context.isEmpty ? message : "\(message) (\(context))"
    if primary == SQLITE_FULL { return .diskFull("database: \(message)") }
    if primary == SQLITE_IOERR && sqlite3_system_errno(handle) == ENOSPC {
      return .diskFull("database: \(message)")
    }
    if primary == SQLITE_BUSY || primary == SQLITE_LOCKED { return .busy }
    return .database(code: rc, message: detail)
  }
}

extension StorageError {
  /// True for a UNIQUE/PRIMARY KEY/CHECK violation, which callers turn into "exists".
  var isConstraint: Bool {
    if case .database(let code, _) = self { return code & 0xff == SQLITE_CONSTRAINT }
    return false
  }
}

/// A prepared statement owned by one `SQLiteDatabase`.
final class SQLiteStatement {
  let handle: OpaquePointer
  unowned let db: SQLiteDatabase
  var inUse = false

  init(_ handle: OpaquePointer, db: SQLiteDatabase) {
    self.handle = handle
    self.db = db
  }

  func finalize() { sqlite3_finalize(handle) }

  func reset() {
    sqlite3_reset(handle)
    sqlite3_clear_bindings(handle)
  }

  func bind(_ args: [SQLValue]) throws(StorageError) {
    for (i, v) in args.enumerated() {
      let idx = Int32(i + 1)
      let rc: Int32
      switch v {
      case .null: rc = sqlite3_bind_null(handle, idx)
      case .int(let n): rc = sqlite3_bind_int64(handle, idx, n)
      case .text(let s): rc = sqlite3_bind_text(handle, idx, s, -1, csqlite_transient())
      case .blob(let b): rc = b.withUnsafeBytes { bindBlob(idx, $0) }
      }
      if rc != SQLITE_OK { throw db.mapError(rc, "binding parameter \(idx)") }
    }
  }

  /// Binds bytes without an extra Swift copy (SQLite copies them: transient).
  func bindBlob(_ idx: Int32, _ raw: UnsafeRawBufferPointer) -> Int32 {
    // An empty buffer may have a nil base address, which SQLite would read as NULL.
    if raw.isEmpty { return sqlite3_bind_zeroblob(handle, idx, 0) }
    return sqlite3_bind_blob64(
      handle, idx, raw.baseAddress, sqlite3_uint64(raw.count), csqlite_transient())
  }

  /// Steps once: true when a row is ready, false when done.
  func step() throws(StorageError) -> Bool {
    let rc = sqlite3_step(handle)
    if rc == SQLITE_ROW { return true }
    if rc == SQLITE_DONE { return false }
    throw db.mapError(rc)
  }

  func int(_ col: Int32) -> Int64 { sqlite3_column_int64(handle, col) }
  func isNull(_ col: Int32) -> Bool { sqlite3_column_type(handle, col) == SQLITE_NULL }
  func optionalInt(_ col: Int32) -> Int64? { isNull(col) ? nil : int(col) }

  func text(_ col: Int32) -> String {
    guard let p = sqlite3_column_text(handle, col) else { return "" }
    let n = Int(sqlite3_column_bytes(handle, col))
    return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
  }

  func optionalText(_ col: Int32) -> String? { isNull(col) ? nil : text(col) }

  func blob(_ col: Int32) -> [UInt8] {
    guard let p = sqlite3_column_blob(handle, col) else { return [] }
    let n = Int(sqlite3_column_bytes(handle, col))
    return Array(UnsafeRawBufferPointer(start: p, count: n))
  }

  /// Bytes `range` of a blob column, clamped to its length, copying only that slice.
  func blobSlice(_ col: Int32, _ range: Range<Int>) -> [UInt8] {
    guard let p = sqlite3_column_blob(handle, col) else { return [] }
    let n = Int(sqlite3_column_bytes(handle, col))
    let lo = min(max(range.lowerBound, 0), n)
    let hi = min(max(range.upperBound, lo), n)
    return Array(UnsafeRawBufferPointer(start: p + lo, count: hi - lo))
  }
}
