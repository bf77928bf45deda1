/// Mailbox rows: names, UID and MODSEQ allocation, and emptying a mailbox.
enum MailboxSQL {
  static let columns =
    "id, account_id, name, special_use, uidvalidity, uidnext, highest_modseq"

  static func row(_ s: SQLiteStatement) -> Mailbox {
    Mailbox(
      id: MailboxID(s.int(0)), accountID: AccountID(s.int(1)), name: s.text(2),
      specialUse: s.optionalText(3).flatMap(SpecialUse.init(rawValue:)),
      uidValidity: UInt32(truncatingIfNeeded: s.int(4)),
      uidNext: UInt32(truncatingIfNeeded: s.int(5)), highestModseq: UInt64(s.int(6)))
  }

  /// Checks a mailbox name and spells INBOX (and INBOX/...) in upper case, which IMAP
  /// treats case-insensitively (RFC 9051 §5.1). `/` separates levels; empty levels,
  /// control characters and the LIST wildcards `*` and `%` are refused.
  static func canonicalName(_ name: String) throws(StorageError) -> String {
    guard !name.isEmpty, name.utf8.count <= 1000 else { throw .invalidMailboxName(name) }
    for u in name.unicodeScalars where u.value < 0x20 || u.value == 0x7f || u == "*" || u == "%" {
      throw .invalidMailboxName(name)
    }
    var parts = name.split(separator: "/", omittingEmptySubsequences: false)
    if parts.contains(where: \.isEmpty) { throw .invalidMailboxName(name) }
    if parts[0].lowercased() == "inbox" { parts[0] = "INBOX" }
    return parts.joined(separator: "/")
  }

  /// The names above `name`, outermost first (`a/b/c` → `a`, `a/b`).
  static func parents(of name: String) -> [String] {
    let parts = name.split(separator: "/")
    guard parts.count > 1 else { return [] }
    return (1..<parts.count).map { parts[0..<$0].joined(separator: "/") }
  }

  static func insert(
    _ db: SQLiteDatabase, account: AccountID, name: String, specialUse: SpecialUse?, now: Int64
  ) throws(StorageError) -> MailboxID {
    // A new UIDVALIDITY per mailbox, never reused: a mailbox deleted and created again
    // under the same name must not look like the old one to a client's cache.
    guard
      let validity = try db.scalar(
        """
        UPDATE meta SET value = max(value + 1, ?) WHERE key = 'uidvalidity' RETURNING value
        """, .int(now))
    else { throw .database(code: 0, message: "meta row uidvalidity missing") }
    do throws(StorageError) {
      try db.run(
        """
        INSERT INTO mailboxes (account_id, name, special_use, uidvalidity, created)
        VALUES (?, ?, ?, ?, ?)
        """, .int(account.rawValue), .text(name), specialUse.map { .text($0.rawValue) } ?? .null,
        .int(validity & 0xffff_ffff), .int(now))
    } catch  where error.isConstraint {
      throw .mailboxExists(name)
    }
    return MailboxID(db.lastInsertRowID)
  }

  static func load(_ db: SQLiteDatabase, id: MailboxID) throws(StorageError) -> Mailbox? {
    try db.queryOne("SELECT \(columns) FROM mailboxes WHERE id = ?", .int(id.rawValue), map: row)
  }

  static func load(_ db: SQLiteDatabase, account: AccountID, name: String) throws(StorageError)
    -> Mailbox?
  {
    try db.queryOne(
      "SELECT \(columns) FROM mailboxes WHERE account_id = ? AND name = ?",
      .int(account.rawValue), .text(name), map: row)
  }

  /// The mailbox's id and owner, or `.mailboxNotFound`.
  static func owner(_ db: SQLiteDatabase, _ id: MailboxID) throws(StorageError) -> AccountID {
    guard
      let a = try db.scalar("SELECT account_id FROM mailboxes WHERE id = ?", .int(id.rawValue))
    else { throw .mailboxNotFound(id.description) }
    return AccountID(a)
  }

  /// Reserves `count` UIDs and one new MODSEQ for a change to `mailbox`, inside the
  /// writer's transaction (so they are never handed out before the commit that uses them,
  /// and a rolled-back job leaves no gap visible to anyone).
  static func allocate(_ db: SQLiteDatabase, _ mailbox: MailboxID, uids count: Int)
    throws(StorageError) -> (firstUID: UInt32, modseq: UInt64)
  {
    guard
      let (next, modseq) = try db.queryOne(
        """
        UPDATE mailboxes SET uidnext = uidnext + ?, highest_modseq = highest_modseq + 1
        WHERE id = ? RETURNING uidnext, highest_modseq
        """, .int(Int64(count)), .int(mailbox.rawValue), map: { s in (s.int(0), s.int(1)) })
    else { throw .mailboxNotFound(mailbox.description) }
    // RFC 9051 §2.3.1.1: UIDs are 32-bit; a mailbox that ran out would need a new
    // UIDVALIDITY, which no real mailbox reaches.
    guard next - 1 <= Int64(UInt32.max) else {
      throw .invalidArgument("mailbox \(mailbox) has used up its 32-bit UID space")
    }
    return (UInt32(next - Int64(count)), UInt64(modseq))
  }

  /// A new MODSEQ for a change that adds no message (flags, expunge).
  static func bumpModseq(_ db: SQLiteDatabase, _ mailbox: MailboxID) throws(StorageError)
    -> UInt64
  {
    try allocate(db, mailbox, uids: 0).modseq
  }

  /// Deletes every message of the mailbox (bodies lose a reference each) and its
  /// expunge history; the mailbox row stays.
  static func deleteContents(_ db: SQLiteDatabase, _ mailbox: MailboxID) throws(StorageError) {
    try db.run("DELETE FROM messages WHERE mailbox_id = ?", .int(mailbox.rawValue))
    try db.run("DELETE FROM expunged WHERE mailbox_id = ?", .int(mailbox.rawValue))
  }
}
