/// A UIDL value (RFC 1939 §7): derived from the mailbox's UIDVALIDITY and the message's
/// UID, so it is unique within the maildrop, the same in every session, after restarts
/// and restores, and the same message IMAP shows under that UID.
///
/// Form: 16 lowercase hex digits, UIDVALIDITY then UID, 8 each. Fixed width keeps it
/// unambiguous; it is well inside RFC 1939's 1–70 characters of 0x21–0x7E.
public struct POP3UniqueID: Sendable, Hashable, CustomStringConvertible {
  /// The mailbox's UIDVALIDITY.
  public let uidValidity: UInt32
  /// The message's UID.
  public let uid: UInt32

  /// The id of message `uid` in a mailbox with `uidValidity`.
  public init(uidValidity: UInt32, uid: UInt32) {
    self.uidValidity = uidValidity
    self.uid = uid
  }

  /// Reads back a value made by this type; nil for anything else.
  public init?(_ text: some StringProtocol) {
    let bytes = Array(text.utf8)
    guard bytes.count == 16, let high = Self.hex(bytes[0..<8]), let low = Self.hex(bytes[8...])
    else { return nil }
    self.init(uidValidity: high, uid: low)
  }

  /// The value as sent in UIDL responses.
  public var value: String { String(decoding: bytes, as: UTF8.self) }

  public var description: String { value }

  /// The value's octets.
  var bytes: [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(16)
    append(to: &out)
    return out
  }

  func append(to out: inout [UInt8]) {
    for word in [uidValidity, uid] {
      for shift in stride(from: 28, through: 0, by: -4) {
        out.append(Self.digits[Int((word >> UInt32(shift)) & 0xF)])
      }
    }
  }

  private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

  private static func hex(_ bytes: ArraySlice<UInt8>) -> UInt32? {
    var value: UInt32 = 0
    for byte in bytes {
      guard let digit = digits.firstIndex(of: byte) else { return nil }
      value = value << 4 | UInt32(digit)
    }
    return value
  }
}
