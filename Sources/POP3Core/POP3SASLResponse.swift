/// One client line during an AUTH exchange (RFC 5034 §4): base64 data, or `*` to cancel.
public enum POP3SASLResponse: Sendable, Hashable {
  /// Base64 text, undecoded (possibly empty).
  case data(String)
  /// `*`: the client abandons the exchange.
  case cancel

  /// The line as the SASL layer's `respond(_:)` takes it (`*` for a cancel).
  public var text: String {
    switch self {
    case .data(let text): text
    case .cancel: "*"
    }
  }

  /// Parses a continuation line (without its terminator; a trailing CRLF or LF is
  /// removed).
  /// - Throws: `POP3ParseError.lineTooLong` beyond `limits.saslLine`,
  ///   `.invalidBase64` for anything but base64 or `*`.
  public static func parse(
    _ line: some Collection<UInt8>, limits: POP3Limits = POP3Limits()
  ) throws(POP3ParseError) -> POP3SASLResponse {
    var bytes = Array(line)
    if bytes.last == ASCII.lf {
      bytes.removeLast()
      if bytes.last == ASCII.cr { bytes.removeLast() }
    }
    guard bytes.count + 2 <= limits.saslLine else { throw .lineTooLong(limit: limits.saslLine) }
    if bytes.isEmpty { return .data("") }
    let text = try POP3Command.base64Token(bytes, or: "*")
    return text == "*" ? .cancel : .data(text)
  }
}
