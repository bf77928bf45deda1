/// A message body read in chunks of at most 64 KiB, each fetched by a reader thread
/// when asked for: POP3 RETR of a 20 MB message or an IMAP partial fetch never holds
/// the whole body in memory.
///
/// Started from a mailbox message, the first read checks the message still exists
/// (`.messageNotFound` otherwise, e.g. expunged by IMAP during a POP3 session). A body
/// freed in the middle of a read ends it with `.bodyNotFound`.
public struct BodyStream: AsyncSequence, Sendable {
  public typealias Element = [UInt8]
  public typealias Failure = StorageError

  enum Start: Sendable {
    case body(BodyID)
    case message(MailboxID, UInt32)
  }

  let store: MailStore
  let start: Start
  let range: Range<Int64>?

  public func makeAsyncIterator() -> Iterator {
    Iterator(store: store, start: start, offset: range?.lowerBound ?? 0, limit: range?.upperBound)
  }

  public struct Iterator: AsyncIteratorProtocol {
    public typealias Failure = StorageError
    let store: MailStore
    var start: Start
    var offset: Int64
    var limit: Int64?
    var resolved: (BodyID, Int64)?

    public mutating func next() async throws(StorageError) -> [UInt8]? {
      try await next(isolation: nil)
    }

    public mutating func next(isolation actor: isolated (any Actor)?) async throws(StorageError)
      -> [UInt8]?
    {
      let from = offset
      let known = resolved
      let start = start
      let limit = limit
      let (chunk, body, size) = try await store.read {
        db throws(StorageError) -> ([UInt8]?, BodyID, Int64) in
        if known == nil, case .message(let box, let uid) = start {
          return try BodySQL.readMessage(db, box, uid, from: from, limit: limit)
        }
        return try db.readTransaction { () throws(StorageError) -> ([UInt8]?, BodyID, Int64) in
          var body: BodyID
          var size: Int64
          if let known {
            (body, size) = known
          } else {
            switch start {
            case .body(let b): body = b
            case .message(let box, let uid):
              guard
                let b = try db.scalar(
                  "SELECT body_id FROM messages WHERE mailbox_id = ? AND uid = ?",
                  .int(box.rawValue), .int(Int64(uid)))
              else { throw .messageNotFound(uid: uid) }
              body = BodyID(b)
            }
            guard let s = try BodySQL.size(db, body) else { throw .bodyNotFound(id: body.rawValue) }
            size = s
          }
          let end = Swift.min(size, limit ?? size)
          if from >= end { return (nil, body, size) }
          guard let bytes = try BodySQL.read(db, body, from..<end) else {
            throw .bodyNotFound(id: body.rawValue)
          }
          return (bytes, body, size)
        }
      }
      resolved = (body, size)
      guard let chunk, !chunk.isEmpty else { return nil }
      offset += Int64(chunk.count)
      return chunk
    }
  }
}

/// Reading bodies and their cached metadata.
extension MailStore {
  /// Streams a body, or bytes `range` of it (clamped to its size).
  public func readBody(_ body: BodyID, range: Range<Int64>? = nil) -> BodyStream {
    BodyStream(store: self, start: .body(body), range: range)
  }

  /// Streams the body of message `uid` of `mailbox` (or bytes `range` of it); throws
  /// `.messageNotFound` on the first read if the message is gone.
  public func readMessage(in mailbox: MailboxID, uid: UInt32, range: Range<Int64>? = nil)
    -> BodyStream
  {
    BodyStream(store: self, start: .message(mailbox, uid), range: range)
  }

  /// Several small messages of `mailbox`, each whole, in one trip to a reader thread and
  /// one read transaction: a POP3 download of many small messages pays one thread hop per
  /// batch instead of one per message. In `uids` order; nil for a message that is gone.
  /// Messages longer than one storage chunk (64 KiB) are cut short, so callers ask only
  /// for messages they know are smaller (a snapshot's sizes).
  public func readSmallMessages(in mailbox: MailboxID, uids: [UInt32]) async throws(StorageError)
    -> [[UInt8]?]
  {
    try await read { db throws(StorageError) -> [[UInt8]?] in
      try db.readTransaction { () throws(StorageError) -> [[UInt8]?] in
        var out: [[UInt8]?] = []
        out.reserveCapacity(uids.count)
        for uid in uids {
          do throws(StorageError) {
            let (chunk, _, _) = try BodySQL.readMessage(db, mailbox, uid, from: 0, limit: nil)
            out.append(chunk ?? [])
          } catch .messageNotFound, .bodyNotFound {
            out.append(nil)
          }
        }
        return out
      }
    }
  }

  /// A number that changes whenever a message of `mailbox` may have been expunged by this
  /// process (or the mailbox deleted), moved after the change commits. Bytes read after
  /// taking a stamp are still those of live messages while the stamp is unchanged — how a
  /// session keeps read-ahead without sending a message expunged meanwhile.
  public func expungeStamp(of mailbox: MailboxID) -> UInt64 {
    feed.expungeStamp(of: mailbox)
  }

  /// A whole body (or a range) in memory: for small messages and tests.
  public func bodyBytes(_ body: BodyID, range: Range<Int64>? = nil) async throws(StorageError)
    -> [UInt8]
  {
    var out: [UInt8] = []
    var it = readBody(body, range: range).makeAsyncIterator()
    while let chunk = try await it.next() { out += chunk }
    return out
  }

  /// The metadata blob supplied at delivery (e.g. ENVELOPE and BODYSTRUCTURE), or nil.
  public func metadata(of body: BodyID) async throws(StorageError) -> [UInt8]? {
    try await metadata(of: [body])[body]
  }

  /// Metadata of many bodies in one read (an IMAP FETCH of a range of messages).
  /// Bodies without metadata, or freed, are absent from the result.
  public func metadata(of bodies: [BodyID]) async throws(StorageError) -> [BodyID: [UInt8]] {
    try await read { db throws(StorageError) in
      var out: [BodyID: [UInt8]] = [:]
      for b in Set(bodies) {
        if let m = try db.queryOne(
          "SELECT metadata FROM bodies WHERE id = ? AND metadata IS NOT NULL", .int(b.rawValue),
          map: { s in s.blob(0) })
        {
          out[b] = m
        }
      }
      return out
    }
  }

  /// Replaces a body's metadata (when a newer parser wants to re-derive it).
  public func setMetadata(of body: BodyID, _ metadata: [UInt8]?) async throws(StorageError) {
    try await write { ctx throws(StorageError) in
      try ctx.db.run(
        "UPDATE bodies SET metadata = ? WHERE id = ?", metadata.map { .blob($0) } ?? .null,
        .int(body.rawValue))
      if ctx.db.changes == 0 { throw .bodyNotFound(id: body.rawValue) }
    }
  }

  /// Size and reference count of a body; nil once freed (tests check single-instance
  /// storage with it).
  public func bodyInfo(_ body: BodyID) async throws(StorageError) -> (size: Int64, references: Int)?
  {
    try await read { db throws(StorageError) in
      try db.queryOne("SELECT size, refs FROM bodies WHERE id = ?", .int(body.rawValue)) { s in
        (size: s.int(0), references: Int(s.int(1)))
      }
    }
  }
}
