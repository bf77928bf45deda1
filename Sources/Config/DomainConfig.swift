/// `[[domain]]`: a mail domain this server hosts, and the host names clients reach it by.
public struct DomainConfig: Sendable, Equatable {
  /// The domain, lower case: the part after `@`.
  public var name: String
  /// Host name for SMTP and submission: picks the certificate by SNI and names the server in
  /// greetings on connections made to it.
  public var smtpHost: String
  public var pop3Host: String
  public var imapHost: String

  /// A domain; host names left nil become `smtp.<name>`, `pop3.<name>` and `imap.<name>`.
  /// Names are used as given (the config file lower-cases and validates them).
  public init(
    name: String, smtpHost: String? = nil, pop3Host: String? = nil, imapHost: String? = nil
  ) {
    self.name = name
    self.smtpHost = smtpHost ?? "smtp.\(name)"
    self.pop3Host = pop3Host ?? "pop3.\(name)"
    self.imapHost = imapHost ?? "imap.\(name)"
  }

  /// The three host names in order: SMTP, POP3, IMAP.
  public var hostNames: [String] { [smtpHost, pop3Host, imapHost] }

  static let unset = DomainConfig(name: "", smtpHost: "", pop3Host: "", imapHost: "")
}
