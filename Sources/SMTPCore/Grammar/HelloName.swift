/// The argument of EHLO or HELO.
///
/// RFC 5321 §4.1.1.1 asks for `Domain / address-literal`, but real clients send names that are
/// neither (Windows host names with `_`, bare words); rejecting them loses mail, so the parser
/// keeps any printable argument and says whether it is valid. Policy belongs to the server.
public struct HelloName: Sendable, Hashable, CustomStringConvertible {
  /// The argument as sent (printable, without surrounding spaces).
  public let text: String
  /// The parsed name, nil when `text` is not RFC 5321 syntax.
  public let host: MailDomain?

  /// Checks `text`; nil when it is empty or has control characters or spaces.
  public init?(_ text: String) {
    let bytes = Array(text.utf8)
    guard !bytes.isEmpty, bytes.allSatisfy({ $0 > 32 && $0 != 127 }),
      ASCII.string(validating: bytes) != nil
    else { return nil }
    self.text = text
    self.host = MailDomain(text)
  }

  public var description: String { text }
}
