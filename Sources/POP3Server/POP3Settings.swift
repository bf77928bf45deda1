import POP3Core
import TLS

/// What the POP3 listeners run with; the executable builds it from the configuration and
/// hands `POP3Service` a provider, read once per connection so a reload applies to the
/// next connection.
public struct POP3Settings: Sendable {
  /// The shortest idle timeout RFC 1939 §3 allows (10 minutes). The configuration layer
  /// should refuse less; tests may use less.
  public static let minimumIdleTimeout: Duration = .seconds(600)

  /// The server's host name, shown in the greeting unless a pop3s client asked for
  /// another of `hostNames` by SNI.
  public var hostName: String
  /// Every other name the server answers to (each domain's POP3 host, say): an SNI name
  /// from this list becomes the greeting name of a pop3s connection.
  public var hostNames: [String] = []
  /// Protocol limits: line lengths and the idle timeout.
  public var limits: POP3Limits
  /// Whether a client on a loopback address (127.0.0.0/8, ::1) may use plaintext logins
  /// without TLS (the default, as Dovecot's `disable_plaintext_auth`). The address is the
  /// real client's (PROXY protocol), never a proxy's.
  public var loopbackIsSecure: Bool
  /// The CAPA IMPLEMENTATION text (RFC 2449 §6.9), or nil to leave it out.
  public var implementation: String?

  /// Settings with the RFC defaults for the limits (idle timeout 10 minutes).
  public init(
    hostName: String, limits: POP3Limits = POP3Limits(), loopbackIsSecure: Bool = true,
    implementation: String? = "Posta"
  ) {
    self.hostName = hostName
    self.limits = limits
    self.loopbackIsSecure = loopbackIsSecure
    self.implementation = implementation
  }

  /// How long a session may wait for the client's next line before it is closed with
  /// `-ERR` (RFC 1939 §3: at least 10 minutes). The same value bounds a write the client
  /// does not read and a TLS handshake. Stored in `limits`.
  public var idleTimeout: Duration {
    get { limits.idleTimeout }
    set { limits.idleTimeout = newValue }
  }

  /// The greeting's text for a connection whose TLS client sent `serverName` as SNI (no
  /// APOP timestamp: APOP is not offered).
  func greeting(serverName: String?) -> String {
    let name = PresentedName.choose(
      serverName: serverName, hostName: hostName, hostNames: hostNames)
    return "\(name) Posta POP3 server ready"
  }
}
