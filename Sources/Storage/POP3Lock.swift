import Synchronization

/// The POP3 maildrop locks of this process (RFC 1939 §8: one session per maildrop).
/// Held in memory only, so a crash or restart leaves no stale lock behind.
final class POP3Locks: Sendable {
  let held = Mutex<Set<AccountID>>([])
}

/// An exclusive POP3 lock on one account, released by `release()` or when dropped.
public final class POP3Lock: Sendable {
  public let account: AccountID
  private let locks: POP3Locks
  private let released = Atomic<Bool>(false)

  init(account: AccountID, locks: POP3Locks) {
    self.account = account
    self.locks = locks
  }

  deinit { release() }

  /// Releases the lock (idempotent).
  public func release() {
    if released.exchange(true, ordering: .acquiringAndReleasing) { return }
    _ = locks.held.withLock { $0.remove(account) }
  }
}

extension MailStore {
  /// Takes the account's POP3 lock, or returns nil when another session of this process
  /// holds it (POP3 answers `-ERR [IN-USE]`).
  public func lockPOP3(_ account: AccountID) -> POP3Lock? {
    guard pop3Locks.held.withLock({ $0.insert(account).inserted }) else { return nil }
    return POP3Lock(account: account, locks: pop3Locks)
  }

  /// The account's INBOX as (UID, size) at this instant: a copy, not an open read
  /// transaction, so message numbers stay fixed for the session (RFC 1939).
  public func pop3Snapshot(_ account: AccountID) async throws(StorageError) -> POP3Snapshot {
    try await read { db throws(StorageError) in
      try db.readTransaction { () throws(StorageError) -> POP3Snapshot in
        guard let inbox = try MailboxSQL.load(db, account: account, name: "INBOX") else {
          throw .mailboxNotFound("INBOX of \(account)")
        }
        var messages: [POP3Snapshot.Message] = []
        try db.query(
          """
          SELECT uid, size, body_id, canonical_size, flags FROM messages
          WHERE mailbox_id = ? ORDER BY uid
          """,
          [.int(inbox.id.rawValue)]
        ) { s in
          messages.append(
            POP3Snapshot.Message(
              uid: UInt32(truncatingIfNeeded: s.int(0)), size: s.int(1), body: BodyID(s.int(2)),
              canonicalSize: s.optionalInt(3),
              seen: MessageFlags(rawValue: s.int(4)).contains(.seen)))
        }
        return POP3Snapshot(mailbox: inbox.id, uidValidity: inbox.uidValidity, messages: messages)
      }
    }
  }
}
