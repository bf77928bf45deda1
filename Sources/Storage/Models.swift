/// A mail account (login and mailbox owner).
public struct Account: Sendable, Equatable {
  public let id: AccountID
  /// Normalised `local@domain`, lower-case.
  public let address: String
  public let domain: String
  /// Byte quota; nil means unlimited.
  public let quotaBytes: Int64?
  /// Message-count quota; nil means unlimited.
  public let quotaMessages: Int64?
  /// Bytes and messages counted against the quota (every message in every mailbox).
  public let usedBytes: Int64
  public let usedMessages: Int64
  /// A disabled account cannot log in; mail for it is still accepted.
  public let enabled: Bool
  /// Unix seconds.
  public let created: Int64

  /// Whether one more message of `bytes` fits both quotas (for SMTP's early 452 at RCPT;
  /// `deliver` checks again atomically).
  public func hasRoom(for bytes: Int64) -> Bool {
    (quotaBytes.map { usedBytes + bytes <= $0 } ?? true)
      && (quotaMessages.map { usedMessages + 1 <= $0 } ?? true)
  }
}

/// An app password: a separate secret for one mail client, revocable by name.
/// The hash is opaque to the store (the Auth module defines its format).
public struct AppPassword: Sendable, Equatable {
  public let id: Int64
  public let name: String
  public let hash: [UInt8]
  public let created: Int64
  public let lastUsed: Int64?
}

/// What a login check needs, read in one snapshot.
public struct Credentials: Sendable, Equatable {
  public let account: Account
  /// Opaque hash set with `setPassword`; nil when no password was ever set.
  public let passwordHash: [UInt8]?
  public let appPasswords: [AppPassword]
}

/// A hosted domain (from the configuration) and how many accounts it has.
public struct DomainSummary: Sendable, Equatable {
  public let name: String
  public let accounts: Int

  public init(name: String, accounts: Int) {
    self.name = name
    self.accounts = accounts
  }
}

/// An alias: `address` (or `@domain`, a catch-all) forwards to each target.
public struct Alias: Sendable, Equatable {
  public let address: String
  public let targets: [String]

  public init(address: String, targets: [String]) {
    self.address = address
    self.targets = targets
  }
}

/// A local account a recipient resolved to.
public struct ResolvedAccount: Sendable, Equatable, Hashable {
  public let id: AccountID
  public let address: String

  public init(id: AccountID, address: String) {
    self.id = id
    self.address = address
  }
}

/// Where mail for one recipient address goes.
public enum RecipientResolution: Sendable, Equatable {
  /// Deliver to these local accounts and forward to these remote addresses
  /// (aliases expanded, duplicates removed, in first-seen order).
  case deliver(local: [ResolvedAccount], remote: [String])
  /// A hosted domain without such account, alias or catch-all.
  case unknownRecipient
  /// The domain is not hosted here (relay decisions belong to the caller).
  case notHosted
}

/// A mailbox of an account.
public struct Mailbox: Sendable, Equatable {
  public let id: MailboxID
  public let accountID: AccountID
  /// Full name with `/` between levels; `INBOX` is always spelled so.
  public let name: String
  public let specialUse: SpecialUse?
  public let uidValidity: UInt32
  /// The UID the next message will get.
  public let uidNext: UInt32
  public let highestModseq: UInt64
}

/// Counts for IMAP STATUS/SELECT, read in one snapshot.
public struct MailboxStatus: Sendable, Equatable {
  public let mailbox: Mailbox
  public let messages: Int
  public let unseen: Int
  public let deleted: Int
  public let size: Int64
  /// UID of the first message without \Seen, if any.
  public let firstUnseenUID: UInt32?
}

/// One message of a mailbox.
public struct MessageInfo: Sendable, Equatable {
  public let uid: UInt32
  public let body: BodyID
  public let size: Int64
  public let flags: MessageFlags
  /// Keywords, sorted, without duplicates.
  public let keywords: [String]
  public let modseq: UInt64
  /// Internal date in Unix seconds and its zone offset in minutes (IMAP INTERNALDATE).
  public let internalDate: Int64
  public let internalDateZone: Int
  /// When the message was saved into this mailbox (RFC 8514 SAVEDATE), Unix seconds.
  public let saveDate: Int64
}

/// How `storeFlags` combines the given flags with the current ones.
public enum FlagOperation: Sendable {
  case add
  case remove
  case replace
}

/// The outcome of a flag change (IMAP STORE, POP3 RETR's \Seen).
public struct FlagUpdateResult: Sendable, Equatable {
  /// Messages whose flags changed, with their new state and modseq.
  public var updated: [MessageInfo]
  /// UIDs left alone because their modseq was above `unchangedSince` (RFC 7162 MODIFIED).
  public var modified: [UInt32]
}

/// A change to a mailbox, published after it was committed.
public enum MailboxChange: Sendable, Equatable {
  case added(uid: UInt32, modseq: UInt64)
  case flags(uid: UInt32, flags: MessageFlags, keywords: [String], modseq: UInt64)
  case expunged(uids: [UInt32], modseq: UInt64)
  /// The mailbox now has this name (renamed itself, or a parent was).
  case renamed(name: String)
  /// The mailbox was deleted; the stream ends after this.
  case deleted
}

/// A POP3 maildrop: the INBOX's (UID, size) list at login.
public struct POP3Snapshot: Sendable, Equatable {
  public struct Message: Sendable, Equatable {
    public let uid: UInt32
    /// Stored octets.
    public let size: Int64
    public let body: BodyID
    /// Octets with CRLF line endings (`CanonicalSize`): what POP3 reports. Nil for a
    /// body stored before the store counted it.
    public let canonicalSize: Int64?
    /// `\Seen` was set at login: retrieving it again need not set it.
    public let seen: Bool

    public init(uid: UInt32, size: Int64, body: BodyID, canonicalSize: Int64?, seen: Bool = false) {
      self.uid = uid
      self.size = size
      self.body = body
      self.canonicalSize = canonicalSize
      self.seen = seen
    }
  }
  public let mailbox: MailboxID
  public let uidValidity: UInt32
  /// In ascending UID order: message number n is `messages[n - 1]`.
  public let messages: [Message]

  public init(mailbox: MailboxID, uidValidity: UInt32, messages: [Message]) {
    self.mailbox = mailbox
    self.uidValidity = uidValidity
    self.messages = messages
  }
}

/// Store counters, for tests, benchmarks and logging.
public struct StoreStatistics: Sendable, Equatable {
  /// Write transactions committed; with `synchronous=FULL` in WAL mode each one is one
  /// fsync of the WAL (checkpoints add a few more, counted apart).
  public let commits: Int
  /// Successful `deliver` calls.
  public let deliveries: Int
  /// Write requests run (of any kind, successful or not).
  public let writeJobs: Int
  /// WAL checkpoints run by the writer (each syncs the WAL and the database file).
  public let checkpoints: Int
  /// Batches whose jobs all succeeded without changing a row: rolled back, not
  /// committed (no fsync, readers keep their caches).
  public let unchangedBatches: Int
}
