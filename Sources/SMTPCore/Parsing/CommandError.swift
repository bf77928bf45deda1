/// Why a command line was refused, with the reply the server sends for it.
public enum CommandError: Error, Sendable, Hashable, CustomStringConvertible {
  /// An unknown verb: `500 5.5.2`.
  case unknownCommand
  /// A verb we know but do not implement (ETRN, TURN…): `502 5.5.1`.
  case notImplemented(verb: String)
  /// The line is longer than its limit: `500 5.5.2`.
  case lineTooLong
  /// Bad arguments or parameter values: `501 5.5.4 <text>`.
  case syntax(String)
  /// MAIL FROM path does not parse: `501 5.1.7 <text>`.
  case badSenderAddress(String)
  /// RCPT TO path does not parse: `501 5.1.3 <text>`.
  case badRecipientAddress(String)
  /// An unknown MAIL/RCPT parameter: `555 5.5.4`.
  case unknownParameter(String)
  /// A non-ASCII address without SMTPUTF8: `553 5.6.7` (RFC 6531 §3.5).
  case nonASCIIAddress
  /// An AUTH initial response or SASL line that is not base64: `501 5.5.2` (RFC 4954 §4).
  case invalidBase64

  /// The reply to send.
  public var reply: Reply {
    switch self {
    case .unknownCommand: return .unknownCommand
    case .notImplemented: return .notImplemented
    case .lineTooLong: return .lineTooLong
    case .syntax(let text): return .syntaxError(text)
    case .badSenderAddress(let text): return .badSenderSyntax(text)
    case .badRecipientAddress(let text): return .badRecipientSyntax(text)
    case .unknownParameter(let keyword): return .unknownParameter(keyword)
    case .nonASCIIAddress: return .nonASCIIAddress
    case .invalidBase64: return .cannotDecodeBase64
    }
  }

  public var description: String { reply.description }
}
