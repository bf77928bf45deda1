/// Message rows: insert, list, expunge, copy, and the quota check.
enum MessageSQL {
  static let columns =
    "uid, body_id, size, flags, keywords, modseq, internal_date, internal_zone, save_date"

  static func row(_ s: SQLiteStatement) -> MessageInfo {
    let kw = s.text(4)
    return MessageInfo(
      uid: UInt32(truncatingIfNeeded: s.int(0)), body: BodyID(s.int(1)), size: s.int(2),
      flags: MessageFlags(rawValue: s.int(3)),
      keywords: kw.isEmpty ? [] : kw.split(separator: " ").map(String.init),
      modseq: UInt64(s.int(5)), internalDate: s.int(6), internalDateZone: Int(s.int(7)),
      saveDate: s.int(8))
  }

  /// Keywords as stored: sorted, unique, space-separated. IMAP keywords are atoms
  /// (RFC 9051 §9 flag-keyword), so a space, a control byte or a leading `\` is refused.
  static func encodeKeywords(_ keywords: some Sequence<String>) throws(StorageError) -> String {
    var set = Set<String>()
    for k in keywords {
      guard !k.isEmpty, !k.hasPrefix("\\"),
        !k.unicodeScalars.contains(where: {
          $0.value <= 0x20 || $0.value == 0x7f || "(){%*\"]".unicodeScalars.contains($0)
        })
      else { throw .invalidArgument("invalid keyword \"\(k)\"") }
      set.insert(k)
    }
    return set.sorted().joined(separator: " ")
  }

  struct NewMessage {
    var body: BodyID
    var size: Int64
    var flags: MessageFlags
    var keywords: String
    var internalDate: Int64
    var internalDateZone: Int
  }

  static func insert(
    _ db: SQLiteDatabase, mailbox: MailboxID, uid: UInt32, modseq: UInt64, _ m: NewMessage,
    now: Int64
  ) throws(StorageError) {
    try db.run(
      """
      INSERT INTO messages (mailbox_id, uid, body_id, size, flags, keywords, modseq,
        internal_date, internal_zone, save_date, canonical_size)
      VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,
        (SELECT canonical_size FROM bodies WHERE id = ?3))
      """, .int(mailbox.rawValue), .int(Int64(uid)), .int(m.body.rawValue), .int(m.size),
      .int(m.flags.rawValue), .text(m.keywords), .int(Int64(modseq)), .int(m.internalDate),
      .int(Int64(m.internalDateZone)), .int(now))
  }

  /// Throws `.overQuota` when adding `bytes` in `messages` messages would take the
  /// account past either quota. Exactly reaching a quota is allowed.
  static func checkQuota(
    _ db: SQLiteDatabase, account: AccountID, bytes: Int64, messages: Int64
  ) throws(StorageError) {
    let (address, over) = try wouldExceedQuota(
      db, account: account, bytes: bytes, messages: messages)
    if over { throw .overQuota(account: address) }
  }

  /// The account's address and whether adding `bytes` in `messages` messages would
  /// exceed one of its quotas.
  static func wouldExceedQuota(
    _ db: SQLiteDatabase, account: AccountID, bytes: Int64, messages: Int64
  ) throws(StorageError) -> (String, Bool) {
    guard
      let result = try db.queryOne(
        """
        SELECT address,
          (quota_bytes IS NOT NULL AND used_bytes + ? > quota_bytes)
          OR (quota_messages IS NOT NULL AND used_messages + ? > quota_messages)
        FROM accounts WHERE id = ?
        """, .int(bytes), .int(messages), .int(account.rawValue),
        map: { s in (s.text(0), s.int(1) != 0) })
    else { throw .accountNotFound(account.description) }
    return result
  }

  /// Messages of `mailbox` with the given UIDs (all when nil), ascending by UID.
  static func list(_ db: SQLiteDatabase, _ mailbox: MailboxID, uids: [UInt32]?)
    throws(StorageError) -> [MessageInfo]
  {
    var out: [MessageInfo] = []
    if let uids {
      out.reserveCapacity(uids.count)
      for uid in Set(uids).sorted() {
        if let m = try db.queryOne(
          "SELECT \(columns) FROM messages WHERE mailbox_id = ? AND uid = ?",
          .int(mailbox.rawValue), .int(Int64(uid)), map: row)
        {
          out.append(m)
        }
      }
    } else {
      try db.query(
        "SELECT \(columns) FROM messages WHERE mailbox_id = ? ORDER BY uid",
        [.int(mailbox.rawValue)]
      ) { s in out.append(row(s)) }
    }
    return out
  }

  /// Removes the messages, records their UIDs as expunged at one new MODSEQ (kept for
  /// QRESYNC), and emits one `.expunged` event. Returns the UIDs removed.
  static func expunge(_ ctx: WriteContext, _ mailbox: MailboxID, _ uids: [UInt32])
    throws(StorageError) -> [UInt32]
  {
    let db = ctx.db
    var removed: [UInt32] = []
    let modseq = try MailboxSQL.bumpModseq(db, mailbox)
    for uid in Set(uids).sorted() {
      try db.run(
        "DELETE FROM messages WHERE mailbox_id = ? AND uid = ?", .int(mailbox.rawValue),
        .int(Int64(uid)))
      guard db.changes > 0 else { continue }
      try db.run(
        "INSERT OR REPLACE INTO expunged (mailbox_id, uid, modseq) VALUES (?, ?, ?)",
        .int(mailbox.rawValue), .int(Int64(uid)), .int(Int64(modseq)))
      removed.append(uid)
    }
    if !removed.isEmpty { ctx.emit(mailbox, .expunged(uids: removed, modseq: modseq)) }
    return removed
  }

  /// Copies messages (flags, keywords and internal date kept; new UIDs in ascending
  /// order; save date now) after checking the destination account's quota.
  /// Returns (source UID, new UID) pairs for COPYUID (RFC 4315).
  static func copy(
    _ ctx: WriteContext, from source: MailboxID, uids: [UInt32], to destination: MailboxID,
    enforceQuota: Bool = true
  ) throws(StorageError) -> [(UInt32, UInt32)] {
    let db = ctx.db
    let messages = try list(db, source, uids: uids)
    guard !messages.isEmpty else { return [] }
    let account = try MailboxSQL.owner(db, destination)
    if enforceQuota {
      try checkQuota(
        db, account: account, bytes: messages.reduce(0) { $0 + $1.size },
        messages: Int64(messages.count))
    }
    let (first, modseq) = try MailboxSQL.allocate(db, destination, uids: messages.count)
    var pairs: [(UInt32, UInt32)] = []
    for (i, m) in messages.enumerated() {
      let uid = first + UInt32(i)
      try insert(
        db, mailbox: destination, uid: uid, modseq: modseq,
        NewMessage(
          body: m.body, size: m.size, flags: m.flags,
          keywords: m.keywords.joined(separator: " "), internalDate: m.internalDate,
          internalDateZone: m.internalDateZone), now: ctx.now)
      ctx.emit(destination, .added(uid: uid, modseq: modseq))
      pairs.append((m.uid, uid))
    }
    return pairs
  }
}
