/// What may follow the `@` of a mailbox and the verb of EHLO: `Domain / address-literal`
/// (RFC 5321 §4.1.2).
public enum MailDomain: Sendable, Hashable, CustomStringConvertible {
  case domain(Domain)
  case addressLiteral(AddressLiteral)

  /// Parses a whole string: `example.com`, `[192.0.2.1]`, `[IPv6:::1]`.
  public init?(_ text: some StringProtocol, allowUTF8: Bool = true) {
    var scanner = ByteScanner(Array(text.utf8))
    guard let value = try? MailDomain.parse(&scanner), scanner.isAtEnd else { return nil }
    if !allowUTF8 && !value.isASCII { return nil }
    self = value
  }

  /// False for a domain with U-labels.
  public var isASCII: Bool {
    if case .domain(let d) = self { return d.isASCII }
    return true
  }

  public var description: String {
    switch self {
    case .domain(let d): return d.name
    case .addressLiteral(let a): return a.description
    }
  }

  static func parse(_ scanner: inout ByteScanner) throws(AddressError) -> MailDomain {
    if scanner.peek() == ASCII.openBracket {
      return .addressLiteral(try AddressLiteral.parse(&scanner))
    }
    return .domain(try Domain.parse(&scanner))
  }
}
