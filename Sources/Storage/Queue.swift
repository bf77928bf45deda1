/// The delivery state of one queued recipient.
public enum QueueRecipientState: Sendable, Equatable {
  /// Not tried yet (due at once).
  case pending
  /// A temporary failure; due again at `nextAttempt` (Unix seconds).
  case deferred(nextAttempt: Int64, lastReply: String)
  case delivered(reply: String)
  /// A permanent failure (or expiry); `reply` is quoted in the bounce.
  case failed(reply: String)

  var code: Int64 {
    switch self {
    case .pending: 0
    case .deferred: 1
    case .delivered: 2
    case .failed: 3
    }
  }

  /// Delivered or failed: nothing more to do for this recipient.
  public var isFinal: Bool { code >= 2 }
}

/// One recipient of a queued message.
public struct QueuedRecipient: Sendable, Equatable {
  public let id: Int64
  public let address: String
  /// The recipient's options as `OutboundEnvelope.recipientParams` gave them ("" for none).
  public let params: String
  public let state: QueueRecipientState
  public let attempts: Int
  /// When the state last changed, Unix seconds.
  public let updated: Int64
}

/// A message in the outbound queue with all its recipients.
public struct QueuedMessage: Sendable, Equatable {
  public let id: QueueID
  public let body: BodyID
  public let size: Int64
  /// "" is the null sender.
  public let sender: String
  public let params: String
  public let created: Int64
  public let recipients: [QueuedRecipient]
}

/// The result of one delivery attempt for one recipient.
public struct QueueRecipientUpdate: Sendable, Equatable {
  public var recipient: Int64
  public var state: QueueRecipientState
  /// Count this as an attempt (false for an admin's retry or a manual state change).
  public var countsAsAttempt: Bool

  public init(recipient: Int64, state: QueueRecipientState, countsAsAttempt: Bool = true) {
    self.recipient = recipient
    self.state = state
    self.countsAsAttempt = countsAsAttempt
  }
}

/// Queue rows. A queue entry holds a reference to its body (trigger-counted); the entry
/// is removed, and the body reference dropped, when its last recipient becomes final.
enum QueueSQL {
  static func enqueue(_ db: SQLiteDatabase, body: BodyID, _ envelope: OutboundEnvelope, now: Int64)
    throws(StorageError) -> QueueID
  {
    try db.run(
      "INSERT INTO queue (body_id, sender, params, created) VALUES (?, ?, ?, ?)",
      .int(body.rawValue), .text(envelope.sender), .text(envelope.params), .int(now))
    let id = db.lastInsertRowID
    for r in envelope.recipients {
      try db.run(
        """
        INSERT INTO queue_recipients (queue_id, address, params, state, next_attempt, updated)
        VALUES (?, ?, ?, 0, ?, ?)
        """, .int(id), .text(r), .text(envelope.recipientParams[r] ?? ""), .int(now), .int(now))
    }
    return QueueID(id)
  }

  /// Applies updates; returns the queue entries that became complete (and were removed).
  @discardableResult
  static func apply(_ ctx: WriteContext, _ updates: [QueueRecipientUpdate])
    throws(StorageError) -> [QueueID]
  {
    let db = ctx.db
    var touched = Set<Int64>()
    for u in updates {
      let (next, reply): (SQLValue, SQLValue)
      switch u.state {
      case .pending: (next, reply) = (.int(ctx.now), .null)
      case .deferred(let at, let r): (next, reply) = (.int(at), .text(r))
      case .delivered(let r), .failed(let r): (next, reply) = (.null, .text(r))
      }
      guard
        let queue = try db.scalar(
          """
          UPDATE queue_recipients SET state = ?, next_attempt = ?, last_reply = ?,
            attempts = attempts + ?, updated = ?
          WHERE id = ? RETURNING queue_id
          """, .int(u.state.code), next, reply, .int(u.countsAsAttempt ? 1 : 0), .int(ctx.now),
          .int(u.recipient))
      else { throw .queueEntryNotFound(id: u.recipient) }
      touched.insert(queue)
    }
    var finished: [QueueID] = []
    for q in touched.sorted()
    where try db.scalar(
      "SELECT 1 FROM queue_recipients WHERE queue_id = ? AND state < 2 LIMIT 1", .int(q)) == nil
    {
      try remove(db, QueueID(q))
      finished.append(QueueID(q))
    }
    return finished
  }

  static func remove(_ db: SQLiteDatabase, _ id: QueueID) throws(StorageError) {
    try db.run("DELETE FROM queue_recipients WHERE queue_id = ?", .int(id.rawValue))
    try db.run("DELETE FROM queue WHERE id = ?", .int(id.rawValue))
  }

  static func load(_ db: SQLiteDatabase, where clause: String, _ args: [SQLValue])
    throws(StorageError) -> [QueuedMessage]
  {
    var heads: [(QueueID, BodyID, Int64, String, String, Int64)] = []
    try db.query(
      """
      SELECT q.id, q.body_id, b.size, q.sender, q.params, q.created
      FROM queue q JOIN bodies b ON b.id = q.body_id WHERE \(clause) ORDER BY q.id
      """, args
    ) { s in
      heads.append((QueueID(s.int(0)), BodyID(s.int(1)), s.int(2), s.text(3), s.text(4), s.int(5)))
    }
    var out: [QueuedMessage] = []
    for (id, body, size, sender, params, created) in heads {
      var recipients: [QueuedRecipient] = []
      try db.query(
        """
        SELECT id, address, state, attempts, next_attempt, last_reply, updated, params
        FROM queue_recipients WHERE queue_id = ? ORDER BY id
        """, [.int(id.rawValue)]
      ) { s in
        let reply = s.optionalText(5) ?? ""
        let state: QueueRecipientState =
          switch s.int(2) {
          case 0: .pending
          case 1: .deferred(nextAttempt: s.optionalInt(4) ?? 0, lastReply: reply)
          case 2: .delivered(reply: reply)
          default: .failed(reply: reply)
          }
        recipients.append(
          QueuedRecipient(
            id: s.int(0), address: s.text(1), params: s.text(7), state: state,
            attempts: Int(s.int(3)), updated: s.int(6)))
      }
      out.append(
        QueuedMessage(
          id: id, body: body, size: size, sender: sender, params: params, created: created,
          recipients: recipients))
    }
    return out
  }
}

/// The outbound queue: the SMTP server fills it (through `deliver`), the outbound
/// module drains it, the CLI inspects it.
extension MailStore {
  /// Every queued message, oldest first (`posta queue list`).
  public func queuedMessages() async throws(StorageError) -> [QueuedMessage] {
    try await read { db throws(StorageError) in
      try db.readTransaction { () throws(StorageError) in try QueueSQL.load(db, where: "1", []) }
    }
  }

  public func queuedMessage(_ id: QueueID) async throws(StorageError) -> QueuedMessage? {
    try await read { db throws(StorageError) in
      try db.readTransaction { () throws(StorageError) in
        try QueueSQL.load(db, where: "q.id = ?", [.int(id.rawValue)]).first
      }
    }
  }

  /// Up to `limit` messages with at least one recipient due at `now` (pending, or
  /// deferred until then), oldest first, with all their recipients (the runner picks the
  /// due ones).
  public func dueQueuedMessages(now: Int64, limit: Int = 100) async throws(StorageError)
    -> [QueuedMessage]
  {
    try await read { db throws(StorageError) in
      try db.readTransaction { () throws(StorageError) in
        try QueueSQL.load(
          db,
          where: """
            q.id IN (SELECT DISTINCT queue_id FROM queue_recipients
            WHERE state < 2 AND next_attempt <= ? ORDER BY queue_id LIMIT ?)
            """, [.int(now), .int(Int64(limit))])
      }
    }
  }

  /// The earliest time a recipient is due, or nil when nothing waits.
  public func nextQueueAttempt() async throws(StorageError) -> Int64? {
    try await read { db throws(StorageError) in
      try db.scalar("SELECT min(next_attempt) FROM queue_recipients WHERE state < 2")
    }
  }

  /// Records attempt results. Entries whose recipients are all final are removed (their
  /// body reference dropped) and returned.
  @discardableResult
  public func updateQueue(_ updates: [QueueRecipientUpdate]) async throws(StorageError)
    -> [QueueID]
  {
    try await write { ctx throws(StorageError) in try QueueSQL.apply(ctx, updates) }
  }

  /// Makes deferred recipients of one entry (or of all when nil) due now
  /// (`posta queue retry`). Returns how many recipients it touched.
  @discardableResult
  public func retryQueue(_ id: QueueID?) async throws(StorageError) -> Int {
    try await write { ctx throws(StorageError) in
      if let id {
        try ctx.db.run(
          "UPDATE queue_recipients SET next_attempt = ? WHERE queue_id = ? AND state < 2",
          .int(ctx.now), .int(id.rawValue))
        let n = ctx.db.changes
        if n == 0,
          try ctx.db.scalar("SELECT 1 FROM queue WHERE id = ?", .int(id.rawValue)) == nil
        {
          throw .queueEntryNotFound(id: id.rawValue)
        }
        return n
      }
      try ctx.db.run(
        "UPDATE queue_recipients SET next_attempt = ? WHERE state < 2", .int(ctx.now))
      return ctx.db.changes
    }
  }

  /// Deletes a queued message without bouncing it (`posta queue delete`).
  public func deleteQueued(_ id: QueueID) async throws(StorageError) {
    try await write { ctx throws(StorageError) in
      guard try ctx.db.scalar("SELECT 1 FROM queue WHERE id = ?", .int(id.rawValue)) != nil else {
        throw .queueEntryNotFound(id: id.rawValue)
      }
      try QueueSQL.remove(ctx.db, id)
    }
  }
}
