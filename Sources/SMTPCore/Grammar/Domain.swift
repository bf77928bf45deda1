/// A domain name as SMTP writes it (RFC 5321 §4.1.2 `Domain`, with RFC 6531's U-labels).
///
/// The name keeps the case the client used; compare with `lowercased` (domains are
/// case-insensitive, RFC 5321 §2.4). Labels hold 1–63 octets, the whole name at most 255
/// (RFC 5321 §4.5.3.1.2). Non-ASCII labels are checked to be UTF-8, not full IDNA2008.
public struct Domain: Sendable, Hashable, CustomStringConvertible {
  /// The name as written, without a trailing dot.
  public let name: String

  /// Validates `name`; nil unless it matches the grammar (non-ASCII labels only when
  /// `allowUTF8`).
  public init?(_ name: some StringProtocol, allowUTF8: Bool = true) {
    var scanner = ByteScanner(Array(name.utf8))
    guard let domain = try? Domain.parse(&scanner), scanner.isAtEnd else { return nil }
    if !allowUTF8 && !domain.isASCII { return nil }
    self = domain
  }

  init(validated name: String) { self.name = name }

  /// The name in lower case, for comparisons and lookups.
  public var lowercased: String { name.lowercased() }
  /// False when a label is a U-label (needs SMTPUTF8 on the wire, RFC 6531 §3.2).
  public var isASCII: Bool { name.utf8.allSatisfy { $0 < 0x80 } }
  public var description: String { name }

  /// Domain = sub-domain *("." sub-domain)
  /// sub-domain = Let-dig [Ldh-str]   ; RFC 6531: sub-domain =/ U-label
  /// Ldh-str = *( ALPHA / DIGIT / "-" ) Let-dig
  static func parse(_ scanner: inout ByteScanner) throws(AddressError) -> Domain {
    let start = scanner.index
    while true {
      let label = scanner.take(while: { ASCII.isAlphaDigit($0) || $0 == ASCII.hyphen || $0 >= 0x80 }
      )
      guard let first = label.first, let last = label.last else {
        throw AddressError("empty label in domain")
      }
      guard first != ASCII.hyphen, last != ASCII.hyphen else {
        throw AddressError("a domain label starts or ends with '-'")
      }
      guard label.count <= 63 else { throw AddressError("a domain label is longer than 63 octets") }
      guard scanner.peek() == ASCII.dot, let next = scanner.peek(offset: 1),
        ASCII.isAlphaDigit(next) || next >= 0x80
      else { break }
      scanner.index += 1
    }
    let bytes = scanner.bytes[start..<scanner.index]
    guard bytes.count <= 255 else { throw AddressError("domain longer than 255 octets") }
    guard let name = ASCII.string(validating: bytes) else {
      throw AddressError("domain is not valid UTF-8")
    }
    return Domain(validated: name)
  }
}
