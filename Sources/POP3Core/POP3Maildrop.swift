/// The maildrop a POP3 session works on: a snapshot of the INBOX taken at login, message
/// number n being `messages[n - 1]` (RFC 1939 §5: numbers never change during a session),
/// with the session's deletion marks.
///
/// Counts and sizes of the messages not marked deleted are kept up to date on each mark,
/// so STAT is O(1) on a maildrop of any size.
public struct POP3Maildrop: Sendable, Hashable {
  /// One message of the snapshot.
  public struct Message: Sendable, Hashable {
    /// The message's IMAP UID in the INBOX.
    public var uid: UInt32
    /// Its size as RETR sends it before byte-stuffing (`POP3MessageSize`).
    public var size: Int

    /// A message with `uid` and RETR `size`.
    public init(uid: UInt32, size: Int) {
      self.uid = uid
      self.size = size
    }
  }

  /// What a message number refers to.
  public enum Lookup: Sendable, Hashable {
    /// A live message.
    case message(Message)
    /// Marked deleted in this session.
    case deleted
    /// Outside 1…`totalCount`.
    case noSuchMessage
  }

  /// The INBOX's UIDVALIDITY, part of every UIDL value.
  public let uidValidity: UInt32
  /// The snapshot, in message-number order.
  public let messages: [Message]
  private var deletedMarks: [Bool]
  /// Messages marked deleted.
  public private(set) var deletedCount = 0
  private var deletedOctets = 0
  private let totalOctets: Int

  /// A maildrop over `messages` (ascending UID order, as the store lists them).
  public init(uidValidity: UInt32, messages: [Message]) {
    self.uidValidity = uidValidity
    self.messages = messages
    deletedMarks = Array(repeating: false, count: messages.count)
    totalOctets = messages.reduce(0) { $0 + $1.size }
  }

  /// Messages in the snapshot, deleted or not (the highest message number).
  public var totalCount: Int { messages.count }
  /// Messages not marked deleted (STAT).
  public var count: Int { messages.count - deletedCount }
  /// Octets of the messages not marked deleted (STAT).
  public var size: Int { totalOctets - deletedOctets }

  /// The message numbered `number`.
  public func lookup(_ number: Int) -> Lookup {
    guard number >= 1, number <= messages.count else { return .noSuchMessage }
    return deletedMarks[number - 1] ? .deleted : .message(messages[number - 1])
  }

  /// Whether message `number` (in range) is marked deleted.
  public func isDeleted(_ number: Int) -> Bool { deletedMarks[number - 1] }

  /// The UIDL value of a message.
  public func uniqueID(of message: Message) -> POP3UniqueID {
    POP3UniqueID(uidValidity: uidValidity, uid: message.uid)
  }

  /// Marks message `number` deleted. - Returns: false if it is out of range or marked.
  @discardableResult
  public mutating func markDeleted(_ number: Int) -> Bool {
    guard case .message(let message) = lookup(number) else { return false }
    deletedMarks[number - 1] = true
    deletedCount += 1
    deletedOctets += message.size
    return true
  }

  /// Clears every deletion mark (RSET).
  public mutating func unmarkAll() {
    guard deletedCount > 0 else { return }
    deletedMarks = Array(repeating: false, count: messages.count)
    deletedCount = 0
    deletedOctets = 0
  }

  /// UIDs of the messages marked deleted, ascending in message order: what QUIT expunges.
  public var deletedUIDs: [UInt32] {
    var uids: [UInt32] = []
    uids.reserveCapacity(deletedCount)
    for (index, deleted) in deletedMarks.enumerated() where deleted {
      uids.append(messages[index].uid)
    }
    return uids
  }

  /// Message numbers not marked deleted, ascending, with their messages.
  public var live: some Sequence<(number: Int, message: Message)> {
    messages.indices.lazy.filter { !deletedMarks[$0] }.map {
      (number: $0 + 1, message: messages[$0])
    }
  }
}
