/// Every failure the store reports. Protocols map the cases they care about:
/// `overQuota` to SMTP 452 4.2.2 / 552 5.2.2 and IMAP `NO [OVERQUOTA]`,
/// `diskFull` to SMTP 452 4.3.1 (temporary), the rest to a server fault.
public enum StorageError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The delivery or append would take `account` past its byte or message quota.
  case overQuota(account: String)
  /// The disk is full (ENOSPC, SQLITE_FULL) or its free space is under the configured
  /// minimum. Temporary: nothing was written.
  case diskFull(String)
  /// An address that is not `local@domain` (or `@domain` for a catch-all alias).
  case invalidAddress(String)
  /// The domain is not declared in the configuration file.
  case unknownDomain(String)
  case accountNotFound(String)
  case accountExists(String)
  /// The address is already used by an alias (or, for an alias, by an account).
  case addressInUse(String)
  case aliasNotFound(String)
  /// Creating the alias would make a forwarding loop; the chain of addresses is given.
  case aliasLoop([String])
  case appPasswordNotFound(name: String)
  case appPasswordExists(name: String)
  case invalidMailboxName(String)
  case mailboxNotFound(String)
  case mailboxExists(String)
  /// INBOX cannot be deleted; the other special cases of IMAP carry their reason here.
  case mailboxNotAllowed(String)
  case messageNotFound(uid: UInt32)
  case bodyNotFound(id: Int64)
  case queueEntryNotFound(id: Int64)
  /// A caller passed something the store cannot act on (an empty delivery, a bad range).
  case invalidArgument(String)
  /// The database was written by a newer Posta than this one.
  case schemaTooNew(found: Int, supported: Int)
  /// Another process held a lock for longer than the busy timeout.
  case busy
  /// A file-system call failed (opening the data directory, reading a spool file, backup).
  case io(path: String, errno: Int32, operation: String)
  /// Any other SQLite error, with SQLite's (extended) result code and message.
  case database(code: Int32, message: String)
  /// The store was closed.
  case closed

  public var description: String {
    switch self {
    case .overQuota(let a): "mailbox quota of \(a) exceeded"
    case .diskFull(let why): "disk full (\(why)); free some space under data_dir"
    case .invalidAddress(let a): "invalid address \"\(a)\": expected local@domain"
    case .unknownDomain(let d):
      "domain \(d) is not declared; add it to the domains in etc/posta.conf"
    case .accountNotFound(let a): "no account \(a)"
    case .accountExists(let a): "account \(a) already exists"
    case .addressInUse(let a): "address \(a) is already used by an alias or account"
    case .aliasNotFound(let a): "no alias \(a)"
    case .aliasLoop(let chain): "alias loop: " + chain.joined(separator: " -> ")
    case .appPasswordNotFound(let n): "no app password named \(n)"
    case .appPasswordExists(let n): "an app password named \(n) already exists"
    case .invalidMailboxName(let n): "invalid mailbox name \"\(n)\""
    case .mailboxNotFound(let n): "no mailbox \(n)"
    case .mailboxExists(let n): "mailbox \(n) already exists"
    case .mailboxNotAllowed(let why): why
    case .messageNotFound(let uid): "no message with UID \(uid)"
    case .bodyNotFound(let id): "message body \(id) no longer exists"
    case .queueEntryNotFound(let id): "no queued message \(id)"
    case .invalidArgument(let why): why
    case .schemaTooNew(let found, let supported):
      "database schema version \(found) is newer than this posta supports (\(supported)); "
        + "upgrade posta"
    case .busy: "database is locked by another process (busy timeout expired)"
    case .io(let path, let e, let op): "\(op) \(path): \(Errno.describe(e)) (errno \(e))"
    case .database(let code, let message): "database error \(code): \(message)"
    case .closed: "the mail store is closed"
    }
  }
}
