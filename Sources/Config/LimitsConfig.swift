/// `[limits]`: connection limits, idle timeouts and sizes, one knob per protocol where the
/// RFCs differ. Protocol modules copy these into their own limits at start.
public struct LimitsConfig: Sendable, Equatable {
  /// Open connections across all listeners.
  public var maxConnections: Int
  /// Open connections from one client address (the PROXY-reported one behind a proxy).
  public var maxConnectionsPerIP: Int
  public var smtpIdleTimeout: Duration
  public var pop3IdleTimeout: Duration
  public var imapIdleTimeout: Duration
  /// Longest command line in bytes, CRLF included.
  public var smtpLineLength: Int
  public var pop3LineLength: Int
  public var imapLineLength: Int
  /// Largest message accepted, in bytes.
  public var maxMessageSize: Int
  /// How long sessions get to finish after SIGTERM before they are closed.
  public var shutdownTimeout: Duration

  /// Every key at its default, as `[limits]` is read when the file leaves it out.
  public static var defaults: LimitsConfig { ConfigSchema.defaults.limits }

  static let unset = LimitsConfig(
    maxConnections: 0, maxConnectionsPerIP: 0, smtpIdleTimeout: .zero, pop3IdleTimeout: .zero,
    imapIdleTimeout: .zero, smtpLineLength: 0, pop3LineLength: 0, imapLineLength: 0,
    maxMessageSize: 0, shutdownTimeout: .zero)
}
