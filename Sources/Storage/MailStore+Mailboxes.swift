/// Mailboxes: listing, create, rename, delete, subscriptions, status, change feed.
extension MailStore {
  /// The account's mailboxes, sorted by name.
  public func mailboxes(of account: AccountID) async throws(StorageError) -> [Mailbox] {
    try await read { db throws(StorageError) in
      var out: [Mailbox] = []
      try db.query(
        "SELECT \(MailboxSQL.columns) FROM mailboxes WHERE account_id = ? ORDER BY name",
        [.int(account.rawValue)]
      ) { s in out.append(MailboxSQL.row(s)) }
      return out
    }
  }

  /// The mailbox `name` of the account (INBOX in any case), or nil.
  public func mailbox(of account: AccountID, named name: String) async throws(StorageError)
    -> Mailbox?
  {
    let canonical = try MailboxSQL.canonicalName(name)
    return try await read { db throws(StorageError) in
      try MailboxSQL.load(db, account: account, name: canonical)
    }
  }

  public func mailbox(id: MailboxID) async throws(StorageError) -> Mailbox? {
    try await read { db throws(StorageError) in try MailboxSQL.load(db, id: id) }
  }

  /// Counts for SELECT/STATUS, read in one snapshot.
  public func status(of mailbox: MailboxID) async throws(StorageError) -> MailboxStatus {
    try await read { db throws(StorageError) in
      try db.readTransaction { () throws(StorageError) -> MailboxStatus in
        guard let box = try MailboxSQL.load(db, id: mailbox) else {
          throw .mailboxNotFound(mailbox.description)
        }
        let seen = MessageFlags.seen.rawValue
        let deleted = MessageFlags.deleted.rawValue
        let counts = try db.queryOne(
          """
          SELECT count(*), coalesce(sum(flags & ? = 0), 0), coalesce(sum(flags & ? != 0), 0),
            coalesce(sum(size), 0)
          FROM messages WHERE mailbox_id = ?
          """, .int(seen), .int(deleted), .int(mailbox.rawValue),
          map: { s in (Int(s.int(0)), Int(s.int(1)), Int(s.int(2)), s.int(3)) })
        let firstUnseen = try db.scalar(
          "SELECT min(uid) FROM messages WHERE mailbox_id = ? AND flags & ? = 0",
          .int(mailbox.rawValue), .int(seen))
        let (n, unseen, del, size) = counts ?? (0, 0, 0, 0)
        return MailboxStatus(
          mailbox: box, messages: n, unseen: unseen, deleted: del, size: size,
          firstUnseenUID: firstUnseen.map { UInt32(truncatingIfNeeded: $0) })
      }
    }
  }

  /// Creates a mailbox and any missing parents (RFC 9051 §6.3.4).
  /// - Throws: `.invalidMailboxName`, `.mailboxExists`, `.accountNotFound`.
  public func createMailbox(
    of account: AccountID, named name: String, specialUse: SpecialUse? = nil
  ) async throws(StorageError) -> Mailbox {
    let canonical = try MailboxSQL.canonicalName(name)
    return try await write(grows: true) { ctx throws(StorageError) in
      let db = ctx.db
      guard try AccountSQL.load(db, id: account) != nil else {
        throw .accountNotFound(account.description)
      }
      for parent in MailboxSQL.parents(of: canonical)
      where try MailboxSQL.load(db, account: account, name: parent) == nil {
        _ = try MailboxSQL.insert(db, account: account, name: parent, specialUse: nil, now: ctx.now)
      }
      let id = try MailboxSQL.insert(
        db, account: account, name: canonical, specialUse: specialUse, now: ctx.now)
      guard let box = try MailboxSQL.load(db, id: id) else { throw .mailboxNotFound(canonical) }
      return box
    }
  }

  /// Renames a mailbox and everything under it (`a` → `b` also renames `a/x` → `b/x`).
  /// Renaming INBOX moves its messages into a new mailbox and leaves INBOX empty
  /// (RFC 9051 §6.3.6). Watchers of each renamed mailbox get `.renamed`.
  public func renameMailbox(of account: AccountID, from: String, to: String)
    async throws(StorageError)
  {
    let old = try MailboxSQL.canonicalName(from)
    let new = try MailboxSQL.canonicalName(to)
    if new == "INBOX" || new.hasPrefix(old + "/") || old == new {
      throw .mailboxNotAllowed("cannot rename \(old) to \(new)")
    }
    try await write(grows: true) { ctx throws(StorageError) in
      let db = ctx.db
      guard let source = try MailboxSQL.load(db, account: account, name: old) else {
        throw .mailboxNotFound(old)
      }
      if try MailboxSQL.load(db, account: account, name: new) != nil { throw .mailboxExists(new) }
      for parent in MailboxSQL.parents(of: new)
      where try MailboxSQL.load(db, account: account, name: parent) == nil {
        _ = try MailboxSQL.insert(db, account: account, name: parent, specialUse: nil, now: ctx.now)
      }
      if old == "INBOX" {
        let target = try MailboxSQL.insert(
          db, account: account, name: new, specialUse: nil, now: ctx.now)
        let uids = try MessageSQL.list(db, source.id, uids: nil).map(\.uid)
        _ = try MessageSQL.copy(ctx, from: source.id, uids: uids, to: target)
        _ = try MessageSQL.expunge(ctx, source.id, uids)
        return
      }
      var renamed: [(MailboxID, String)] = []
      try db.query(
        """
        SELECT id, name FROM mailboxes
        WHERE account_id = ? AND (name = ? OR substr(name, 1, ?) = ?)
        """,
        [.int(account.rawValue), .text(old), .int(Int64(old.utf8.count + 1)), .text(old + "/")]
      ) { s in
        let name = s.text(1)
        renamed.append((MailboxID(s.int(0)), new + name.dropFirst(old.count)))
      }
      for (id, name) in renamed {
        do throws(StorageError) {
          try db.run("UPDATE mailboxes SET name = ? WHERE id = ?", .text(name), .int(id.rawValue))
        } catch  where error.isConstraint {
          throw .mailboxExists(name)
        }
        ctx.emit(id, .renamed(name: name))
      }
    }
  }

  /// Deletes a mailbox and its messages (each body freed with its last reference).
  /// Mailboxes under it stay. INBOX cannot be deleted. Watchers get `.deleted`.
  public func deleteMailbox(of account: AccountID, named name: String)
    async throws(StorageError)
  {
    let canonical = try MailboxSQL.canonicalName(name)
    if canonical == "INBOX" { throw .mailboxNotAllowed("INBOX cannot be deleted") }
    try await write { ctx throws(StorageError) in
      guard let box = try MailboxSQL.load(ctx.db, account: account, name: canonical) else {
        throw .mailboxNotFound(canonical)
      }
      try MailboxSQL.deleteContents(ctx.db, box.id)
      try ctx.db.run("DELETE FROM mailboxes WHERE id = ?", .int(box.id.rawValue))
      ctx.emit(box.id, .deleted)
    }
  }

  /// Sets or clears a mailbox's special-use attribute.
  public func setSpecialUse(_ mailbox: MailboxID, _ use: SpecialUse?) async throws(StorageError) {
    try await write { ctx throws(StorageError) in
      try ctx.db.run(
        "UPDATE mailboxes SET special_use = ? WHERE id = ?",
        use.map { .text($0.rawValue) } ?? .null,
        .int(mailbox.rawValue))
      if ctx.db.changes == 0 { throw .mailboxNotFound(mailbox.description) }
    }
  }

  /// Subscribes to a name (which need not exist, RFC 9051 §6.3.7).
  public func subscribe(_ account: AccountID, to name: String) async throws(StorageError) {
    let canonical = try MailboxSQL.canonicalName(name)
    try await write(grows: true) { ctx throws(StorageError) in
      try ctx.db.run(
        "INSERT OR IGNORE INTO subscriptions (account_id, name) VALUES (?, ?)",
        .int(account.rawValue), .text(canonical))
    }
  }

  public func unsubscribe(_ account: AccountID, from name: String) async throws(StorageError) {
    let canonical = try MailboxSQL.canonicalName(name)
    try await write { ctx throws(StorageError) in
      try ctx.db.run(
        "DELETE FROM subscriptions WHERE account_id = ? AND name = ?", .int(account.rawValue),
        .text(canonical))
    }
  }

  /// Subscribed names, sorted.
  public func subscriptions(of account: AccountID) async throws(StorageError) -> [String] {
    try await read { db throws(StorageError) in
      var out: [String] = []
      try db.query(
        "SELECT name FROM subscriptions WHERE account_id = ? ORDER BY name",
        [.int(account.rawValue)]
      ) { s in out.append(s.text(0)) }
      return out
    }
  }

  /// Changes to `mailbox` committed from now on: new messages, flag changes, expunges,
  /// renames and deletion. Events are published after their commit, so a reader that
  /// subscribes first and then reads the mailbox misses nothing (it may see a change
  /// both in its read and as an event). Ending the iteration unsubscribes.
  public func changes(of mailbox: MailboxID) -> AsyncStream<MailboxChange> {
    feed.subscribe(mailbox)
  }

  /// Number of live subscriptions to `mailbox` in this process.
  public func subscriberCount(of mailbox: MailboxID) -> Int { feed.subscriberCount(mailbox) }
}
