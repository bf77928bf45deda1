/// Accounts, passwords, quotas and app passwords.
extension MailStore {
  /// Mailboxes every new account gets, with their special-use attribute (RFC 6154).
  static let defaultMailboxes: [(String, SpecialUse?)] = [
    ("INBOX", nil), ("Sent", .sent), ("Drafts", .drafts), ("Trash", .trash),
    ("Junk", .junk), ("Archive", .archive),
  ]

  /// Creates an account with INBOX, Sent, Drafts, Trash, Junk and Archive (subscribed).
  /// - Parameters:
  ///   - address: `local@domain`, normalised to lower case; the domain must be hosted.
  ///   - passwordHash: opaque bytes defined by Auth; nil leaves the account without one.
  /// - Throws: `.invalidAddress`, `.unknownDomain`, `.accountExists`, `.addressInUse`.
  public func createAccount(
    address: String, passwordHash: [UInt8]?, quotaBytes: Int64? = nil,
    quotaMessages: Int64? = nil
  ) async throws(StorageError) -> Account {
    let (local, domain) = try hostedAddress(address)
    let normalized = local + "@" + domain
    return try await write(grows: true) { ctx throws(StorageError) in
      let db = ctx.db
      if try db.scalar("SELECT 1 FROM aliases WHERE address = ? LIMIT 1", .text(normalized))
        != nil
      {
        throw .addressInUse(normalized)
      }
      do throws(StorageError) {
        try db.run(
          """
          INSERT INTO accounts (address, domain, password, quota_bytes, quota_messages, created)
          VALUES (?, ?, ?, ?, ?, ?)
          """, .text(normalized), .text(domain), passwordHash.map { .blob($0) } ?? .null,
          quotaBytes.map { .int($0) } ?? .null, quotaMessages.map { .int($0) } ?? .null,
          .int(ctx.now))
      } catch  where error.isConstraint {
        throw .accountExists(normalized)
      }
      let id = AccountID(db.lastInsertRowID)
      for (name, use) in Self.defaultMailboxes {
        _ = try MailboxSQL.insert(db, account: id, name: name, specialUse: use, now: ctx.now)
        try db.run(
          "INSERT OR IGNORE INTO subscriptions (account_id, name) VALUES (?, ?)",
          .int(id.rawValue), .text(name))
      }
      guard let account = try AccountSQL.load(db, id: id) else {
        throw .accountNotFound(normalized)
      }
      return account
    }
  }

  /// Deletes the account, its mailboxes, messages (bodies freed with their last
  /// reference), subscriptions and app passwords. Aliases pointing at it stay and
  /// resolve to nothing for it. Watchers of its mailboxes get `.deleted`.
  public func deleteAccount(_ id: AccountID) async throws(StorageError) {
    try await write { ctx throws(StorageError) in
      let db = ctx.db
      guard try db.scalar("SELECT 1 FROM accounts WHERE id = ?", .int(id.rawValue)) != nil else {
        throw .accountNotFound(id.description)
      }
      var boxes: [MailboxID] = []
      try db.query("SELECT id FROM mailboxes WHERE account_id = ?", [.int(id.rawValue)]) { s in
        boxes.append(MailboxID(s.int(0)))
      }
      for box in boxes {
        try MailboxSQL.deleteContents(db, box)
        ctx.emit(box, .deleted)
      }
      let a = SQLValue.int(id.rawValue)
      try db.run("DELETE FROM mailboxes WHERE account_id = ?", a)
      try db.run("DELETE FROM subscriptions WHERE account_id = ?", a)
      try db.run("DELETE FROM app_passwords WHERE account_id = ?", a)
      try db.run("DELETE FROM accounts WHERE id = ?", a)
    }
  }

  /// The account with this address (case-insensitive), or nil.
  public func account(address: String) async throws(StorageError) -> Account? {
    guard let (local, domain) = AddressSyntax.normalize(address) else { return nil }
    let normalized = local + "@" + domain
    return try await read { db throws(StorageError) in
      try AccountSQL.load(db, address: normalized)
    }
  }

  public func account(id: AccountID) async throws(StorageError) -> Account? {
    try await read { db throws(StorageError) in try AccountSQL.load(db, id: id) }
  }

  /// Accounts sorted by address, optionally only those of one domain.
  public func accounts(domain: String? = nil) async throws(StorageError) -> [Account] {
    let d = domain?.lowercased()
    return try await read { db throws(StorageError) in
      var out: [Account] = []
      let sql =
        "SELECT \(AccountSQL.columns) FROM accounts"
        + (d == nil ? "" : " WHERE domain = ?") + " ORDER BY address"
      try db.query(sql, d.map { [.text($0)] } ?? []) { s in out.append(AccountSQL.row(s)) }
      return out
    }
  }

  /// Accounts of `domain` in creation order (SMTP's postmaster fallback uses the oldest).
  public func accountsByAge(domain: String) async throws(StorageError) -> [Account] {
    let d = domain.lowercased()
    return try await read { db throws(StorageError) in
      var out: [Account] = []
      try db.query(
        "SELECT \(AccountSQL.columns) FROM accounts WHERE domain = ? ORDER BY id", [.text(d)]
      ) { s in out.append(AccountSQL.row(s)) }
      return out
    }
  }

  /// Replaces the password hash (opaque bytes from Auth).
  public func setPassword(_ id: AccountID, hash: [UInt8]) async throws(StorageError) {
    try await updateAccount(id, "UPDATE accounts SET password = ? WHERE id = ?", .blob(hash))
  }

  /// Sets the byte and message quotas; nil means unlimited. Lowering a quota below the
  /// current usage keeps the mail but refuses new mail until usage drops.
  public func setQuota(_ id: AccountID, bytes: Int64?, messages: Int64?)
    async throws(StorageError)
  {
    try await write { ctx throws(StorageError) in
      try ctx.db.run(
        "UPDATE accounts SET quota_bytes = ?, quota_messages = ? WHERE id = ?",
        bytes.map { .int($0) } ?? .null, messages.map { .int($0) } ?? .null, .int(id.rawValue))
      if ctx.db.changes == 0 { throw .accountNotFound(id.description) }
    }
  }

  public func setEnabled(_ id: AccountID, _ enabled: Bool) async throws(StorageError) {
    try await updateAccount(
      id, "UPDATE accounts SET enabled = ? WHERE id = ?", .int(enabled ? 1 : 0))
  }

  /// Account, password hash and app passwords for a login name, in one snapshot;
  /// nil for an unknown or malformed name (the caller treats both alike).
  public func credentials(login: String) async throws(StorageError) -> Credentials? {
    guard let (local, domain) = AddressSyntax.normalize(login) else { return nil }
    let normalized = local + "@" + domain
    return try await read { db throws(StorageError) in
      try db.readTransaction { () throws(StorageError) -> Credentials? in
        guard let account = try AccountSQL.load(db, address: normalized) else { return nil }
        let hash = try db.queryOne(
          "SELECT password FROM accounts WHERE id = ?", .int(account.id.rawValue)
        ) { s in s.isNull(0) ? nil : s.blob(0) }
        return Credentials(
          account: account, passwordHash: hash ?? nil,
          appPasswords: try AccountSQL.appPasswords(db, account.id))
      }
    }
  }

  /// Adds an app password named `name` (unique per account).
  public func addAppPassword(_ id: AccountID, name: String, hash: [UInt8])
    async throws(StorageError) -> AppPassword
  {
    guard !name.isEmpty else { throw .invalidArgument("an app password needs a name") }
    return try await write(grows: true) { ctx throws(StorageError) in
      let db = ctx.db
      guard try db.scalar("SELECT 1 FROM accounts WHERE id = ?", .int(id.rawValue)) != nil else {
        throw .accountNotFound(id.description)
      }
      do throws(StorageError) {
        try db.run(
          "INSERT INTO app_passwords (account_id, name, hash, created) VALUES (?, ?, ?, ?)",
          .int(id.rawValue), .text(name), .blob(hash), .int(ctx.now))
      } catch  where error.isConstraint {
        throw .appPasswordExists(name: name)
      }
      return AppPassword(
        id: db.lastInsertRowID, name: name, hash: hash, created: ctx.now, lastUsed: nil)
    }
  }

  /// App passwords of an account, by name.
  public func appPasswords(_ id: AccountID) async throws(StorageError) -> [AppPassword] {
    try await read { db throws(StorageError) in try AccountSQL.appPasswords(db, id) }
  }

  /// Revokes (deletes) the app password `name`.
  public func revokeAppPassword(_ id: AccountID, name: String) async throws(StorageError) {
    try await write { ctx throws(StorageError) in
      try ctx.db.run(
        "DELETE FROM app_passwords WHERE account_id = ? AND name = ?", .int(id.rawValue),
        .text(name))
      if ctx.db.changes == 0 { throw .appPasswordNotFound(name: name) }
    }
  }

  /// Records a successful login with an app password (each call is a durable write:
  /// Auth should call it at most once per password per hour or so).
  public func recordAppPasswordUse(_ appPasswordID: Int64) async throws(StorageError) {
    try await write { ctx throws(StorageError) in
      try ctx.db.run(
        "UPDATE app_passwords SET last_used = ? WHERE id = ?", .int(ctx.now),
        .int(appPasswordID))
    }
  }

  /// Validates and normalises an address whose domain must be hosted here.
  func hostedAddress(_ address: String) throws(StorageError) -> (String, String) {
    guard let (local, domain) = AddressSyntax.normalize(address) else {
      throw .invalidAddress(address)
    }
    guard hostedDomains.contains(domain) else { throw .unknownDomain(domain) }
    return (local, domain)
  }

  private func updateAccount(_ id: AccountID, _ sql: String, _ value: SQLValue)
    async throws(StorageError)
  {
    try await write { ctx throws(StorageError) in
      try ctx.db.run(sql, value, .int(id.rawValue))
      if ctx.db.changes == 0 { throw .accountNotFound(id.description) }
    }
  }
}

/// SQL shared by the account functions.
enum AccountSQL {
  static let columns =
    "id, address, domain, quota_bytes, quota_messages, used_bytes, used_messages, enabled, created"

  static func row(_ s: SQLiteStatement) -> Account {
    Account(
      id: AccountID(s.int(0)), address: s.text(1), domain: s.text(2),
      quotaBytes: s.optionalInt(3), quotaMessages: s.optionalInt(4), usedBytes: s.int(5),
      usedMessages: s.int(6), enabled: s.int(7) != 0, created: s.int(8))
  }

  static func load(_ db: SQLiteDatabase, id: AccountID) throws(StorageError) -> Account? {
    try db.queryOne("SELECT \(columns) FROM accounts WHERE id = ?", .int(id.rawValue), map: row)
  }

  static func load(_ db: SQLiteDatabase, address: String) throws(StorageError) -> Account? {
    try db.queryOne("SELECT \(columns) FROM accounts WHERE address = ?", .text(address), map: row)
  }

  static func appPasswords(_ db: SQLiteDatabase, _ id: AccountID) throws(StorageError)
    -> [AppPassword]
  {
    var out: [AppPassword] = []
    try db.query(
      """
      SELECT id, name, hash, created, last_used FROM app_passwords
      WHERE account_id = ? ORDER BY name
      """, [.int(id.rawValue)]
    ) { s in
      out.append(
        AppPassword(
          id: s.int(0), name: s.text(1), hash: s.blob(2), created: s.int(3),
          lastUsed: s.optionalInt(4)))
    }
    return out
  }
}
