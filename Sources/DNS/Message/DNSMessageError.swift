/// Why a DNS message or name could not be decoded or encoded.
///
/// Offsets count bytes from the start of the message, so a failing packet can
/// be inspected with a hex dump.
public enum DNSMessageError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The message ends before the field being read (`what`) is complete.
  case truncated(offset: Int, what: String)
  /// A name longer than 255 octets in wire form (RFC 1035 §2.3.4).
  case nameTooLong(offset: Int)
  /// A label length byte with the top bits 01 or 10: extended label types,
  /// retired by RFC 6891 §5. (A length byte can say at most 63 otherwise, so
  /// an oversize label shows up as this error.)
  case badLabelType(offset: Int, byte: UInt8)
  /// A compression pointer that does not point strictly before the name it
  /// continues, into the message body. Such pointers could loop forever.
  case badPointer(offset: Int, target: Int)
  /// Record data that does not fit its type (`type` is the record type's text form).
  case badRecordData(offset: Int, type: String, reason: String)
  /// More than one EDNS OPT record, or an OPT record not owned by the root
  /// (RFC 6891 §6.1.1).
  case badOPT(offset: Int, reason: String)
  /// A name given as text that is not a valid domain name.
  case invalidName(String, reason: String)
  /// An encoded message would exceed 65,535 octets, the most TCP can frame.
  case messageTooLarge(size: Int)
  /// A section would hold more than 65,535 entries.
  case tooManyEntries(section: String, count: Int)

  public var description: String {
    switch self {
    case .truncated(let offset, let what):
      "DNS message truncated at byte \(offset) while reading \(what)"
    case .nameTooLong(let offset):
      "DNS name at byte \(offset) is longer than 255 octets"
    case .badLabelType(let offset, let byte):
      "unsupported DNS label type 0x\(String(byte, radix: 16)) at byte \(offset)"
    case .badPointer(let offset, let target):
      "DNS compression pointer at byte \(offset) to byte \(target) does not point backwards"
    case .badRecordData(let offset, let type, let reason):
      "bad \(type) record data at byte \(offset): \(reason)"
    case .badOPT(let offset, let reason):
      "bad EDNS OPT record at byte \(offset): \(reason)"
    case .invalidName(let text, let reason):
      "invalid domain name \"\(text)\": \(reason)"
    case .messageTooLarge(let size):
      "DNS message of \(size) octets is larger than 65535"
    case .tooManyEntries(let section, let count):
      "DNS \(section) section with \(count) entries; at most 65535 fit"
    }
  }
}
