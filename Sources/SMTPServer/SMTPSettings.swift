import SMTPCore
import TLS

/// Which listener a connection came in on; it decides what the session requires.
public enum SMTPRole: String, Sendable, Hashable, CaseIterable {
  /// Port 25, mail from the Internet: no AUTH needed, recipients only in hosted domains
  /// (foreign ones get `554 5.7.1` unless the client authenticated). AUTH is offered only
  /// after STARTTLS, and only when `SMTPSettings.allowAuthOnMX` is set.
  case mx
  /// Port 587 (RFC 6409): STARTTLS, then AUTH, before MAIL (`530 5.7.0`).
  case submission
  /// Port 465 (RFC 8314): implicit TLS, then AUTH before MAIL.
  case submissions

  /// The TLS handshake comes before the greeting.
  public var usesImplicitTLS: Bool { self == .submissions }
  /// MAIL needs an authenticated session.
  public var requiresAuthentication: Bool { self != .mx }
}

/// What the SMTP listeners run with; the executable builds it from the configuration and
/// hands `SMTPService` a provider, read once per connection so a reload applies to the next
/// connection.
public struct SMTPSettings: Sendable {
  /// RFC 5321 §4.5.3.2.7: the server waits at least 5 minutes for the next command.
  public static let defaultIdleTimeout: Duration = .seconds(300)
  /// Messages up to this size are received in memory; larger ones go to a spool file.
  public static let defaultMemoryMessageLimit = 256 * 1024

  /// The configured host name: the greeting and EHLO name unless the client asked for
  /// another of `hostNames` by SNI.
  public var hostName: String
  /// Every name the server answers to (certificate names): an SNI name from this list
  /// becomes the greeting and EHLO name of that connection. Compared case-insensitively.
  public var hostNames: [String]
  /// Protocol limits: message size, recipients per transaction (100), errors per session
  /// (20), `Received:` hops (50), command and SASL line lengths, long text lines.
  public var limits: SMTPLimits
  /// How long a session waits for the client's next command (or the next piece of a
  /// message) before it answers `421 4.4.2` and closes. The same value bounds a write the
  /// client does not read and a TLS handshake.
  public var idleTimeout: Duration
  /// Whether the MX port offers AUTH after STARTTLS (off by default: port 25 is for
  /// server-to-server mail; users submit on 587/465).
  public var allowAuthOnMX: Bool
  /// Whether an authenticated user's envelope sender (when not `<>`) and From: addresses
  /// must be theirs: their own address, an address that resolves to their account (an
  /// alias, `+tag`, a catch-all), or one of `allowedSenders`. Otherwise `550 5.7.1`.
  public var requireSenderOwnership: Bool
  /// Extra sender addresses, keyed by account address (any case), or `*` for every
  /// authenticated user. A value is an address, or `@domain` for any address there.
  public var allowedSenders: [String: [String]]
  /// The `[smtp] postmaster` key: where `postmaster@domain` goes when the domain has no
  /// such account or alias, as an address or a local part taken in that domain. When it
  /// does not name an account, the domain's oldest account gets the mail.
  public var postmaster: String?
  /// Where messages larger than `memoryMessageLimit` are spooled while they arrive; nil
  /// for `data_dir/spool`. Files there are removed after delivery and at start.
  public var spoolDirectory: String?
  /// Messages up to this many octets are received in memory (no spool file at all).
  public var memoryMessageLimit: Int
  /// Signs a message an authenticated user submitted (DKIM): given the whole message as it
  /// will be stored (borrowed for the call: in memory or a mapped spool file), returns
  /// header fields to put in front of it, or nil to leave it as is. Called off the
  /// session's thread, on the spool's. The SMTP server knows nothing about keys; the
  /// executable supplies this.
  public var signer: (@Sendable (_ message: UnsafeRawBufferPointer) -> [UInt8]?)?
  /// Called after a message with remote recipients was queued durably, so the outbound
  /// queue can start on it at once instead of at its next poll.
  public var onQueued: (@Sendable () -> Void)?
  /// Sends the "delivered" notification a message stored here owes its sender (RFC 3461
  /// §5.2.2): called after the store transaction that delivered it committed, and before
  /// the final `250`, when a local recipient asked for `NOTIFY=SUCCESS` and the sender is
  /// not `<>`. EHLO offers DSN (RFC 3461) only when this is set, since without it a
  /// success notification could not be kept. The SMTP server knows nothing about reports;
  /// the executable supplies this.
  public var reportDelivered: (@Sendable (DeliveredReport) async -> Void)?

  /// Settings with RFC defaults: 50 MiB messages, 100 recipients, 20 errors, 5 minutes
  /// idle, no AUTH on the MX port, sender ownership enforced.
  public init(
    hostName: String, hostNames: [String] = [], limits: SMTPLimits = SMTPLimits(),
    idleTimeout: Duration = SMTPSettings.defaultIdleTimeout, allowAuthOnMX: Bool = false,
    requireSenderOwnership: Bool = true, allowedSenders: [String: [String]] = [:],
    postmaster: String? = nil, spoolDirectory: String? = nil,
    memoryMessageLimit: Int = SMTPSettings.defaultMemoryMessageLimit
  ) {
    self.hostName = hostName
    self.hostNames = hostNames
    self.limits = limits
    self.idleTimeout = idleTimeout
    self.allowAuthOnMX = allowAuthOnMX
    self.requireSenderOwnership = requireSenderOwnership
    self.allowedSenders = allowedSenders
    self.postmaster = postmaster
    self.spoolDirectory = spoolDirectory
    self.memoryMessageLimit = memoryMessageLimit
    self.signer = nil
    self.onQueued = nil
    self.reportDelivered = nil
  }

  /// The largest message accepted (SIZE), in octets as stored.
  public var maxMessageSize: Int {
    get { limits.maxMessageSize }
    set { limits.maxMessageSize = newValue }
  }

  /// Accepted recipients per transaction; more get `452 4.5.3`.
  public var maxRecipients: Int {
    get { limits.maxRecipients }
    set { limits.maxRecipients = newValue }
  }

  /// The longest command line, CRLF included (at least 512 plus what the extensions add).
  public var commandLineLength: Int {
    get { limits.commandLineLength }
    set { limits.commandLineLength = newValue }
  }

  /// The name to greet with: `serverName` (SNI) when it is one of ours, else `hostName`.
  func greetingName(serverName: String?) -> String {
    PresentedName.choose(serverName: serverName, hostName: hostName, hostNames: hostNames)
  }
}
