/// Why a command line was rejected. `description` is the text after `-ERR`; `response`
/// is the whole reply. Texts quote at most a short, sanitised piece of the input and never
/// any part of a password or initial response.
public enum POP3ParseError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The line was empty or only spaces.
  case empty
  /// The line was longer than `limit` octets (CRLF included).
  case lineTooLong(limit: Int)
  /// A control character (NUL, CR inside the line, TAB, DEL, ...) appeared.
  case controlCharacter
  /// A USER name or password was not valid UTF-8.
  case invalidUTF8(command: String)
  /// The keyword is not a POP3 command Posta knows.
  case unknownCommand(String)
  /// A required argument was missing.
  case missingArgument(command: String, argument: String)
  /// More arguments than the command takes.
  case tooManyArguments(command: String)
  /// A message number that is not a positive decimal integer (signs, 0, overflow).
  case invalidMessageNumber(String)
  /// A TOP line count that is not a non-negative decimal integer.
  case invalidLineCount(String)
  /// An argument longer than `POP3Limits.argument`.
  case argumentTooLong(command: String, limit: Int)
  /// A SASL mechanism name outside RFC 4422 §3.1 syntax.
  case invalidMechanism(String)
  /// An AUTH initial response or continuation line that is not base64 (or `=`, `*`).
  case invalidBase64

  public var description: String {
    switch self {
    case .empty: "empty command"
    case .lineTooLong: "line too long"
    case .controlCharacter: "control characters are not allowed in commands"
    case .invalidUTF8(let command): "\(command) argument is not valid UTF-8"
    case .unknownCommand(let keyword): "unknown command \(keyword)"
    case .missingArgument(let command, let argument): "\(command) needs \(argument)"
    case .tooManyArguments(let command): "too many arguments for \(command)"
    case .invalidMessageNumber(let text): "invalid message number \(text)"
    case .invalidLineCount(let text): "invalid line count \(text)"
    case .argumentTooLong(let command, let limit):
      "\(command) argument longer than \(limit) characters"
    case .invalidMechanism(let text): "invalid SASL mechanism name \(text)"
    case .invalidBase64: "invalid base64 in authentication data"
    }
  }

  /// The `-ERR` reply for this error.
  public var response: POP3Response { .error(nil, description) }
}
