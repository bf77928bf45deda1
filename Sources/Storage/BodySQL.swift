import Glibc

/// Message bodies as rows of `body_chunks`, `chunkSize` bytes each (the last shorter).
enum BodySQL {
  /// 64 KiB: one POP3/IMAP socket write per chunk, and a bounded memory use per read.
  static let chunkSize = 64 * 1024

  /// Writes a body from bytes or a spool file inside the current transaction.
  /// A spool file is read piecewise, so a 20 MB message never sits whole in memory here.
  static func insert(
    _ db: SQLiteDatabase, _ source: MessageSource, metadata: [UInt8]?, now: Int64
  ) throws(StorageError) -> (BodyID, Int64) {
    try db.run(
      "INSERT INTO bodies (size, chunks, metadata, created) VALUES (0, 0, ?, ?)",
      metadata.map { .blob($0) } ?? .null, .int(now))
    let id = BodyID(db.lastInsertRowID)
    var size: Int64 = 0
    var seq: Int64 = 0
    var canonical = CanonicalSize()
    func put(_ chunk: UnsafeRawBufferPointer) throws(StorageError) {
      canonical.count(chunk)
      try db.withStatement(
        "INSERT INTO body_chunks (body_id, seq, data) VALUES (?, ?, ?)",
        [.int(id.rawValue), .int(seq)]
      ) { s throws(StorageError) in
        let rc = s.bindBlob(3, chunk)
        if rc != 0 { throw db.mapError(rc, "binding a body chunk") }
        while try s.step() {}
      }
      seq += 1
      size += Int64(chunk.count)
    }
    switch source {
    case .bytes(let bytes):
      var offset = 0
      repeat {
        let end = min(offset + chunkSize, bytes.count)
        try withBytes(bytes, offset..<end) { raw throws(StorageError) in try put(raw) }
        offset = end
      } while offset < bytes.count
    case .file(let path):
      let file = try ReadOnlyFile(path)
      var buffer = [UInt8](repeating: 0, count: chunkSize)
      while true {
        let n = try file.read(into: &buffer)
        if n == 0 && seq > 0 { break }
        try withBytes(buffer, 0..<n) { raw throws(StorageError) in try put(raw) }
        if n < chunkSize { break }
      }
    }
    try db.run(
      "UPDATE bodies SET size = ?, chunks = ?, canonical_size = ? WHERE id = ?", .int(size),
      .int(seq), .int(canonical.octets), .int(id.rawValue))
    return (id, size)
  }

  /// The size of a body, or nil once it was freed.
  static func size(_ db: SQLiteDatabase, _ body: BodyID) throws(StorageError) -> Int64? {
    try db.scalar("SELECT size FROM bodies WHERE id = ?", .int(body.rawValue))
  }

  /// The first read of message `uid`'s body from offset `from` (up to `limit`), with the
  /// body and its size: one statement, so one snapshot without a transaction, which makes
  /// a small POP3 RETR a single statement. The chunk is nil at or past the end.
  /// - Throws: `.messageNotFound` when the message is gone, `.bodyNotFound` when its body is.
  static func readMessage(
    _ db: SQLiteDatabase, _ mailbox: MailboxID, _ uid: UInt32, from: Int64, limit: Int64?
  ) throws(StorageError) -> ([UInt8]?, BodyID, Int64) {
    let seq = from / Int64(chunkSize)
    let base = seq * Int64(chunkSize)
    let row = try db.queryOne(
      """
      SELECT m.body_id, b.size, c.data IS NOT NULL, c.data FROM messages m
      LEFT JOIN bodies b ON b.id = m.body_id
      LEFT JOIN body_chunks c ON c.body_id = m.body_id AND c.seq = ?
      WHERE m.mailbox_id = ? AND m.uid = ?
      """, .int(seq), .int(mailbox.rawValue), .int(Int64(uid))
    ) { s -> (BodyID, Int64?, [UInt8]?, Bool) in
      let body = BodyID(s.int(0))
      guard let size = s.optionalInt(1) else { return (body, nil, nil, false) }
      let end = Swift.min(size, limit ?? size)
      if from >= end { return (body, size, nil, false) }
      guard s.int(2) != 0 else { return (body, size, nil, true) }
      return (body, size, s.blobSlice(3, Int(from - base)..<Int(end - base)), false)
    }
    guard let (body, size, chunk, chunkMissing) = row else { throw .messageNotFound(uid: uid) }
    guard let size, !chunkMissing else { throw .bodyNotFound(id: body.rawValue) }
    return (chunk, body, size)
  }

  /// Bytes `range` of the body, taken from the chunk holding `range.lowerBound` only
  /// (so a result may be shorter than asked; callers loop). Nil when the body is gone.
  static func read(_ db: SQLiteDatabase, _ body: BodyID, _ range: Range<Int64>)
    throws(StorageError) -> [UInt8]?
  {
    let seq = range.lowerBound / Int64(chunkSize)
    let base = seq * Int64(chunkSize)
    return try db.queryOne(
      "SELECT data FROM body_chunks WHERE body_id = ? AND seq = ?", .int(body.rawValue),
      .int(seq)
    ) { s in
      s.blobSlice(0, Int(range.lowerBound - base)..<Int(range.upperBound - base))
    }
  }
}

/// Where `deliver` takes a message's bytes from.
public enum MessageSource: Sendable {
  case bytes([UInt8])
  /// A spool file, read piecewise by the writer thread (the caller deletes it after).
  case file(path: String)

  /// Its size as far as the file system knows (for the quota check before writing).
  func expectedSize() throws(StorageError) -> Int64 {
    switch self {
    case .bytes(let b): return Int64(b.count)
    case .file(let path):
      var st = stat()
      if stat(path, &st) != 0 { throw .io(path: path, errno: errno, operation: "reading size of") }
      return Int64(st.st_size)
    }
  }
}
