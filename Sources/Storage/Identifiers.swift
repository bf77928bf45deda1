/// Row identifiers, typed so an account id can't be passed where a mailbox id is meant.
public struct AccountID: Hashable, Sendable, Comparable, CustomStringConvertible {
  public let rawValue: Int64
  public init(_ rawValue: Int64) { self.rawValue = rawValue }
  public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
  public var description: String { "account#\(rawValue)" }
}

public struct MailboxID: Hashable, Sendable, Comparable, CustomStringConvertible {
  public let rawValue: Int64
  public init(_ rawValue: Int64) { self.rawValue = rawValue }
  public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
  public var description: String { "mailbox#\(rawValue)" }
}

/// One stored message body, shared by every mailbox message and queue entry that
/// holds the same bytes (single-instance storage).
public struct BodyID: Hashable, Sendable, Comparable, CustomStringConvertible {
  public let rawValue: Int64
  public init(_ rawValue: Int64) { self.rawValue = rawValue }
  public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
  public var description: String { "body#\(rawValue)" }
}

/// One message in the outbound queue.
public struct QueueID: Hashable, Sendable, Comparable, CustomStringConvertible {
  public let rawValue: Int64
  public init(_ rawValue: Int64) { self.rawValue = rawValue }
  public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
  public var description: String { "\(rawValue)" }
}

/// The system flags of IMAP (RFC 9051 §2.3.2); keywords are kept beside them as strings.
public struct MessageFlags: OptionSet, Hashable, Sendable {
  public let rawValue: Int64
  public init(rawValue: Int64) { self.rawValue = rawValue }
  public static let seen = MessageFlags(rawValue: 1)
  public static let answered = MessageFlags(rawValue: 2)
  public static let flagged = MessageFlags(rawValue: 4)
  public static let deleted = MessageFlags(rawValue: 8)
  public static let draft = MessageFlags(rawValue: 16)
  static let all: MessageFlags = [.seen, .answered, .flagged, .deleted, .draft]
}

/// Special-use attributes of RFC 6154 that the store knows; INBOX has none.
public enum SpecialUse: String, Sendable, CaseIterable {
  case sent = "\\Sent"
  case drafts = "\\Drafts"
  case trash = "\\Trash"
  case junk = "\\Junk"
  case archive = "\\Archive"
  case all = "\\All"
  case flagged = "\\Flagged"
}
