/// Small messages read ahead of a client that retrieves in order (as fetchmail, getmail
/// and every "download all" client do): one trip to a reader thread then serves the next
/// several RETRs, instead of one hop there and back per message.
///
/// The bytes are only used while the store's expunge stamp for the INBOX is the one
/// taken before they were read, so a message expunged over IMAP meanwhile still answers
/// `-ERR` rather than being sent from memory.
struct POP3ReadAhead {
  /// Messages at most this size (one storage chunk) are read whole and may be read ahead.
  static let messageLimit: Int64 = 64 * 1024
  /// What one batch may hold, so a session never keeps much in memory.
  static let byteBudget: Int64 = 64 * 1024
  /// Messages one batch may hold.
  static let messageCount = 32

  /// What the read-ahead knows of a message.
  enum Hit: Equatable {
    case bytes([UInt8])
    /// Gone from the store when the batch was read.
    case gone
    /// Not read ahead (or no longer valid): read it now.
    case miss
  }

  private let stamp: UInt64
  private var messages: [Int: [UInt8]?]

  /// Messages by number, as read under `stamp` (nil: gone).
  init(stamp: UInt64, messages: [Int: [UInt8]?]) {
    self.stamp = stamp
    self.messages = messages
  }

  /// Message `number` if it was read ahead and `stamp` is still current; the batch lets go
  /// of it.
  mutating func take(_ number: Int, currentStamp: UInt64) -> Hit {
    guard currentStamp == stamp, let entry = messages.removeValue(forKey: number) else {
      return .miss
    }
    return entry.map { .bytes($0) } ?? .gone
  }

  /// The message numbers worth reading together with `number`: it, and when the client
  /// goes in order the next small messages not marked deleted, within the budgets.
  static func batch(
    from number: Int, sequential: Bool, sizes: (Int) -> Int64?, isDeleted: (Int) -> Bool
  ) -> [Int] {
    var numbers = [number]
    guard sequential, var bytes = sizes(number) else { return numbers }
    var next = number + 1
    while numbers.count < messageCount, let size = sizes(next), size <= messageLimit {
      if !isDeleted(next) {
        if bytes + size > byteBudget { break }
        bytes += size
        numbers.append(next)
      }
      next += 1
    }
    return numbers
  }
}
