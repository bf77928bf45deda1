/// `[smtp]`: choices of the SMTP server that are policy rather than limits.
public struct SMTPConfig: Sendable, Equatable {
  /// The account that receives mail for postmaster@<domain> when no such account or
  /// alias exists; empty: the domain's oldest account.
  public var postmaster: String
  /// Offer AUTH on the MX port (after STARTTLS only).
  public var authOnMX: Bool
  /// Authenticated users may only send as addresses they own (envelope and From:).
  public var requireSenderOwnership: Bool

  /// Every key at its default, as `[smtp]` is read when the file leaves it out.
  public static var defaults: SMTPConfig { ConfigSchema.defaults.smtp }

  static let unset = SMTPConfig(postmaster: "", authOnMX: false, requireSenderOwnership: true)
}
