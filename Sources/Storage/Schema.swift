/// The database schema as an ordered list of migrations, applied at open.
///
/// `PRAGMA user_version` holds the number of migrations applied. Opening runs the
/// missing ones in one `BEGIN IMMEDIATE` transaction, so two processes opening a fresh
/// `data_dir` at once (the server and a CLI command) serialise on the busy timeout and
/// the second finds nothing left to do. A database newer than this code is refused.
///
/// Invariants kept by triggers, so no code path can forget them:
/// - `bodies.refs` counts the messages and queue entries holding a body; the update that
///   takes it to zero deletes the body and its chunks (single-instance storage).
/// - `accounts.used_bytes/used_messages` follow every insert and delete of a message.
enum Schema {
  static let migrations: [String] = [
    // 1: accounts, aliases, mailboxes, messages, bodies.
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
    INSERT INTO meta (key, value) VALUES ('change_counter', 0), ('uidvalidity', 0);
    CREATE TABLE domains (name TEXT PRIMARY KEY) WITHOUT ROWID;
    CREATE TABLE accounts (
      id INTEGER PRIMARY KEY,
      address TEXT NOT NULL UNIQUE,
      domain TEXT NOT NULL,
      password BLOB,
      quota_bytes INTEGER,
      quota_messages INTEGER,
      used_bytes INTEGER NOT NULL DEFAULT 0,
      used_messages INTEGER NOT NULL DEFAULT 0,
      enabled INTEGER NOT NULL DEFAULT 1,
      created INTEGER NOT NULL
    );
    CREATE INDEX accounts_domain ON accounts (domain, id);
    CREATE TABLE app_passwords (
      id INTEGER PRIMARY KEY,
      account_id INTEGER NOT NULL REFERENCES accounts (id),
      name TEXT NOT NULL,
      hash BLOB NOT NULL,
      created INTEGER NOT NULL,
      last_used INTEGER,
      UNIQUE (account_id, name)
    );
    CREATE TABLE aliases (
      address TEXT NOT NULL,
      position INTEGER NOT NULL,
      target TEXT NOT NULL,
      PRIMARY KEY (address, position)
    ) WITHOUT ROWID;
    CREATE TABLE mailboxes (
      id INTEGER PRIMARY KEY,
      account_id INTEGER NOT NULL REFERENCES accounts (id),
      name TEXT NOT NULL,
      special_use TEXT,
      uidvalidity INTEGER NOT NULL,
      uidnext INTEGER NOT NULL DEFAULT 1,
      highest_modseq INTEGER NOT NULL DEFAULT 1,
      created INTEGER NOT NULL,
      UNIQUE (account_id, name)
    );
    CREATE TABLE subscriptions (
      account_id INTEGER NOT NULL REFERENCES accounts (id),
      name TEXT NOT NULL,
      PRIMARY KEY (account_id, name)
    ) WITHOUT ROWID;
    CREATE TABLE bodies (
      id INTEGER PRIMARY KEY,
      size INTEGER NOT NULL,
      refs INTEGER NOT NULL DEFAULT 0,
      chunks INTEGER NOT NULL,
      metadata BLOB,
      created INTEGER NOT NULL
    );
    CREATE TABLE body_chunks (
      body_id INTEGER NOT NULL,
      seq INTEGER NOT NULL,
      data BLOB NOT NULL,
      PRIMARY KEY (body_id, seq)
    );
    CREATE TABLE messages (
      id INTEGER PRIMARY KEY,
      mailbox_id INTEGER NOT NULL REFERENCES mailboxes (id),
      uid INTEGER NOT NULL,
      body_id INTEGER NOT NULL,
      size INTEGER NOT NULL,
      flags INTEGER NOT NULL DEFAULT 0,
      keywords TEXT NOT NULL DEFAULT '',
      modseq INTEGER NOT NULL,
      internal_date INTEGER NOT NULL,
      internal_zone INTEGER NOT NULL DEFAULT 0,
      save_date INTEGER NOT NULL,
      UNIQUE (mailbox_id, uid)
    );
    CREATE INDEX messages_modseq ON messages (mailbox_id, modseq);
    CREATE TABLE expunged (
      mailbox_id INTEGER NOT NULL,
      uid INTEGER NOT NULL,
      modseq INTEGER NOT NULL,
      PRIMARY KEY (mailbox_id, uid)
    ) WITHOUT ROWID;
    CREATE TRIGGER messages_added AFTER INSERT ON messages BEGIN
      UPDATE bodies SET refs = refs + 1 WHERE id = new.body_id;
      UPDATE accounts SET used_bytes = used_bytes + new.size, used_messages = used_messages + 1
        WHERE id = (SELECT account_id FROM mailboxes WHERE id = new.mailbox_id);
    END;
    CREATE TRIGGER messages_removed AFTER DELETE ON messages BEGIN
      UPDATE bodies SET refs = refs - 1 WHERE id = old.body_id;
      UPDATE accounts SET used_bytes = used_bytes - old.size, used_messages = used_messages - 1
        WHERE id = (SELECT account_id FROM mailboxes WHERE id = old.mailbox_id);
    END;
    CREATE TRIGGER bodies_unreferenced AFTER UPDATE OF refs ON bodies WHEN new.refs <= 0 BEGIN
      DELETE FROM body_chunks WHERE body_id = new.id;
      DELETE FROM bodies WHERE id = new.id;
    END;
    """,
    // 2: the outbound queue; a queue entry holds its body like a message does.
    """
    CREATE TABLE queue (
      id INTEGER PRIMARY KEY,
      body_id INTEGER NOT NULL,
      sender TEXT NOT NULL,
      params TEXT NOT NULL DEFAULT '',
      created INTEGER NOT NULL
    );
    CREATE TABLE queue_recipients (
      id INTEGER PRIMARY KEY,
      queue_id INTEGER NOT NULL REFERENCES queue (id),
      address TEXT NOT NULL,
      state INTEGER NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt INTEGER,
      last_reply TEXT,
      updated INTEGER NOT NULL
    );
    CREATE INDEX queue_recipients_queue ON queue_recipients (queue_id);
    CREATE INDEX queue_recipients_due ON queue_recipients (state, next_attempt);
    CREATE TRIGGER queue_added AFTER INSERT ON queue BEGIN
      UPDATE bodies SET refs = refs + 1 WHERE id = new.body_id;
    END;
    CREATE TRIGGER queue_removed AFTER DELETE ON queue BEGIN
      UPDATE bodies SET refs = refs - 1 WHERE id = old.body_id;
    END;
    """,
    // 3: per-recipient options (DSN NOTIFY/ORCPT), opaque to the store; rows queued
    // before it get "" (no options), which is what their RCPT had as far as we know.
    """
    ALTER TABLE queue_recipients ADD COLUMN params TEXT NOT NULL DEFAULT '';
    """,
    // 4: each body's size with CRLF line endings (see `CanonicalSize`), counted while it
    // is written, so POP3 needs no pass over the bodies after a restart; copied into each
    // message row so listing a mailbox needs no join. NULL for bodies written before;
    // readers measure those themselves.
    """
    ALTER TABLE bodies ADD COLUMN canonical_size INTEGER;
    ALTER TABLE messages ADD COLUMN canonical_size INTEGER;
    """,
  ]

  static var latestVersion: Int { migrations.count }

  /// Applies the migrations missing from `db`, up to `target` (tests stop early to build
  /// an old database). Returns how many ran; running it again returns 0.
  @discardableResult
  static func migrate(
    _ db: SQLiteDatabase, upTo target: Int = latestVersion, now: Int64
  ) throws(StorageError) -> Int {
    try db.execute("BEGIN IMMEDIATE")
    do throws(StorageError) {
      let current = Int(try db.scalar("PRAGMA user_version") ?? 0)
      if current > latestVersion {
        throw StorageError.schemaTooNew(found: current, supported: latestVersion)
      }
      var applied = 0
      if current < target {
        for version in current..<target {
          try db.execute(migrations[version])
          if version == 0 {
            // UIDVALIDITY values start at the creation time, as Dovecot's do, so a
            // data_dir recreated from scratch does not reuse the old values.
            try db.run("UPDATE meta SET value = ? WHERE key = 'uidvalidity'", .int(now))
          }
          applied += 1
        }
        try db.execute("PRAGMA user_version = \(target)")
      }
      try db.execute("COMMIT")
      return applied
    } catch {
      if db.inTransaction { try? db.execute("ROLLBACK") }
      throw error
    }
  }
}
