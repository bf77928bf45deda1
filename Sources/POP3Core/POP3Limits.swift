/// Every POP3 protocol limit in one place; the server fills it from the configuration.
public struct POP3Limits: Sendable, Hashable {
  /// Longest command line in octets, CRLF included (RFC 2449 §4; an AUTH initial response
  /// counts, RFC 5034 §4). A longer line gets `-ERR line too long` and the Net layer
  /// discards the rest of it.
  public var commandLine = 255
  /// Longest SASL continuation line from the client in octets, CRLF included.
  public var saslLine = 12_288
  /// Longest message number, line count or mechanism name (RFC 1939 §3 allows arguments of
  /// up to 40 characters). USER names, passwords and initial responses are bounded by
  /// `commandLine` only: RFC 2449 §4 replaced the 40-character rule by the 255-octet line,
  /// and real login names (long email addresses) exceed 40 characters.
  public var argument = 40
  /// Longest first line of a response in octets, CRLF included (RFC 2449 §4). Longer
  /// texts are cut at a UTF-8 character boundary.
  public var responseLine = 512
  /// How long a session may sit without a command before the server drops it. RFC 1939 §3
  /// asks for at least 10 minutes.
  public var idleTimeout: Duration = .seconds(600)

  /// The RFC defaults.
  public init() {}
}
