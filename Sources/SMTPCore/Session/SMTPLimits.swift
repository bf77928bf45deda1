/// Every SMTP protocol limit in one place, fed from the configuration (`[limits]`).
/// Lengths are in octets.
public struct SMTPLimits: Sendable, Hashable {
  /// RFC 5321 §4.5.3.1.4: a command line including CRLF.
  public static let rfcCommandLineLength = 512
  /// RFC 4954 §4: an AUTH command or SASL response line including CRLF.
  public static let rfcSASLLineLength = 12_288
  /// RFC 5321 §4.5.3.1.6: a text line of a message, excluding CRLF.
  public static let rfcTextLineLength = 998

  /// The longest command line, CRLF included. At least 512 plus what the advertised
  /// extensions add to MAIL (see `commandLineLength(size:body:smtputf8:auth:)`).
  public var commandLineLength: Int
  /// The longest AUTH command and SASL response line, CRLF included (RFC 4954: 12,288).
  public var saslLineLength: Int
  /// The largest message, in octets as stored (after dot-unstuffing).
  public var maxMessageSize: Int
  /// Accepted recipients per transaction; more get `452 4.5.3` (RFC 5321 §4.5.3.1.8).
  public var maxRecipients: Int
  /// Replies in the 500–504 range per session before the server answers `421` and closes.
  public var maxErrors: Int
  /// More `Received:` header fields than this is a loop (`554 5.4.6`, RFC 5321 §6.3).
  public var maxReceivedHeaders: Int
  /// The longest text line of a message, excluding CRLF.
  public var maxTextLineLength: Int
  /// What the server does with a message that has a line over `maxTextLineLength`: reject it
  /// with `552 5.3.4` when true, else store it with the line intact (never truncated).
  public var rejectLongTextLines: Bool
  /// Client side: the longest reply line accepted, CRLF included. RFC 5321 says 512, real
  /// servers send longer lines, so the default is generous.
  public var replyLineLength: Int
  /// Client side: the most lines one reply may have.
  public var maxReplyLines: Int

  public init(
    commandLineLength: Int = SMTPLimits.commandLineLength(
      size: true, body: true, smtputf8: true, auth: true),
    saslLineLength: Int = SMTPLimits.rfcSASLLineLength,
    maxMessageSize: Int = 50 * 1024 * 1024,
    maxRecipients: Int = 100,
    maxErrors: Int = 20,
    maxReceivedHeaders: Int = 50,
    maxTextLineLength: Int = SMTPLimits.rfcTextLineLength,
    rejectLongTextLines: Bool = false,
    replyLineLength: Int = 4096,
    maxReplyLines: Int = 256
  ) {
    self.commandLineLength = commandLineLength
    self.saslLineLength = saslLineLength
    self.maxMessageSize = maxMessageSize
    self.maxRecipients = maxRecipients
    self.maxErrors = maxErrors
    self.maxReceivedHeaders = maxReceivedHeaders
    self.maxTextLineLength = maxTextLineLength
    self.rejectLongTextLines = rejectLongTextLines
    self.replyLineLength = replyLineLength
    self.maxReplyLines = maxReplyLines
  }

  /// 512 plus what each advertised extension adds to a MAIL command line: SIZE 26 octets
  /// (RFC 1870), BODY= 14 (RFC 6152), SMTPUTF8 10 (RFC 6531), AUTH= 500 (RFC 4954 §5).
  public static func commandLineLength(size: Bool, body: Bool, smtputf8: Bool, auth: Bool) -> Int {
    rfcCommandLineLength + (size ? 26 : 0) + (body ? 14 : 0) + (smtputf8 ? 10 : 0)
      + (auth ? 500 : 0)
  }

  /// The limit to read a command line with: AUTH lines may be as long as SASL lines, and the
  /// verb is only known once the line is read. `CommandParser` then refuses a non-AUTH line
  /// over `commandLineLength`.
  public var commandReadLimit: Int { max(commandLineLength, saslLineLength) }
}
