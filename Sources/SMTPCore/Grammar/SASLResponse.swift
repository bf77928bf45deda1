/// A client's line during an AUTH exchange (RFC 4954 §4): base64 data, or `*` to cancel.
public enum SASLResponse: Sendable, Hashable {
  /// `*`: the client gives up; the server answers `Reply.authCancelled`.
  case cancel
  /// Base64 text, not decoded; empty for an empty line (an empty response).
  case base64(String)

  /// Parses a response line without its CRLF.
  /// - Throws: `.lineTooLong` over `limits.saslLineLength`; `.invalidBase64` (501 5.5.2).
  public static func parse(
    _ line: some Collection<UInt8>, limits: SMTPLimits = SMTPLimits()
  ) throws(CommandError) -> SASLResponse {
    guard line.count + 2 <= limits.saslLineLength else { throw .lineTooLong }
    var bytes = Array(line)
    while let last = bytes.last, ASCII.isWhitespace(last) { bytes.removeLast() }
    if bytes == [0x2A] { return .cancel }
    if bytes.isEmpty { return .base64("") }
    guard Base64Text.isValid(bytes) else { throw .invalidBase64 }
    return .base64(ASCII.lossyString(bytes))
  }
}
