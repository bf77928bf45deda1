import DNS
import Glibc
import SMTPCore

/// How a route uses TLS.
public enum OutboundTLSPolicy: Sendable, Hashable {
  /// Never STARTTLS (for a route to a host known to break it).
  case disabled
  /// STARTTLS whenever the server offers it, any certificate accepted (RFC 7435:
  /// unauthenticated encryption beats plain text). With `plaintextFallback`, a failed
  /// handshake is logged and the host is tried again in plain text; without it, the
  /// recipients are deferred.
  case opportunistic(plaintextFallback: Bool)
  /// TLS is mandatory: STARTTLS (or implicit TLS) must succeed, and with `verify` the
  /// certificate must chain to a trusted CA and name the host; otherwise the recipients
  /// are deferred.
  case required(verify: Bool)
}

/// A configured next hop for one domain (`[[delivery.route]]`): mail for `domain` goes to
/// `host:port` instead of the domain's MX hosts.
public struct StaticRoute: Sendable, Hashable {
  /// The recipient domain, compared case-insensitively.
  public var domain: String
  /// An IP literal or a host name (resolved through DNS A/AAAA).
  public var host: String
  public var port: UInt16
  public var tls: OutboundTLSPolicy

  public init(
    domain: String, host: String, port: UInt16 = 25,
    tls: OutboundTLSPolicy = .opportunistic(plaintextFallback: true)
  ) {
    self.domain = domain.lowercased()
    self.host = host
    self.port = port
    self.tls = tls
  }
}

/// A relay that takes all outbound mail (or mail for some domains), for hosts whose
/// port 25 is blocked. TLS is required and verified by default, so the credentials never
/// travel in clear and never to an impostor.
public struct Smarthost: Sendable, Hashable {
  /// An IP literal or a host name; the certificate must carry this name when verifying.
  public var host: String
  /// 587 (submission with STARTTLS) by default; 465 with `implicitTLS`.
  public var port: UInt16
  /// TLS from the first byte (RFC 8314) instead of STARTTLS.
  public var implicitTLS: Bool
  /// AUTH PLAIN credentials; nil relays without AUTH.
  public var username: String?
  public var password: String?
  /// Only these recipient domains go through the smarthost; nil means every domain.
  public var domains: [String]?
  /// `.required(verify: true)` unless a test or a trusted private link says otherwise.
  public var tls: OutboundTLSPolicy
  /// A PEM bundle of CAs to trust instead of the system store (a private relay's CA).
  public var trustedCertificatesPath: String?

  public init(
    host: String, port: UInt16 = 587, implicitTLS: Bool = false, username: String? = nil,
    password: String? = nil, domains: [String]? = nil,
    tls: OutboundTLSPolicy = .required(verify: true), trustedCertificatesPath: String? = nil
  ) {
    self.host = host
    self.port = port
    self.implicitTLS = implicitTLS
    self.username = username
    self.password = password
    self.domains = domains?.map { $0.lowercased() }
    self.tls = tls
    self.trustedCertificatesPath = trustedCertificatesPath
  }

  /// Whether mail for `domain` goes through this smarthost.
  public func covers(_ domain: String) -> Bool {
    domains.map { $0.contains(domain.lowercased()) } ?? true
  }
}

/// Everything the outbound side is configured with. Only `hostname` is required.
public struct DeliverySettings: Sendable {
  /// The name sent in EHLO and used in bounces (`Reporting-MTA`, `MAILER-DAEMON@…`).
  public var hostname: String
  /// Retry intervals, expiry and the optional delay warning.
  public var retry: RetrySchedule = RetrySchedule()
  /// Connections open at once, in total.
  public var maxConnections: Int = 20
  /// Connections open at once per destination (a domain's MX set, a static route's host,
  /// the smarthost).
  public var maxConnectionsPerDestination: Int = 4
  /// Recipients per SMTP transaction; more are sent in further transactions (RFC 5321
  /// §4.5.3.1.8 guarantees servers take at least 100).
  public var maxRecipientsPerTransaction: Int = 100
  /// Addresses tried per domain and attempt (over all its MX hosts).
  public var maxAddressesPerAttempt: Int = 5
  /// Messages worked on at once; bounds memory while many destinations are slow.
  public var maxMessagesInFlight: Int = 100
  /// The port MX hosts are contacted on (25; tests may use another).
  public var mxPort: UInt16 = 25
  /// The addresses this server receives mail on (its SMTP listeners). An MX host resolving
  /// to one of them is this server: mail for that domain would loop (5.4.6, as Postfix
  /// does with its inet_interfaces). An unspecified address (0.0.0.0, ::) stands for every
  /// address of the machine's interfaces. Empty: only the greeting/EHLO name check applies.
  public var ownAddresses: [IPAddress] = []
  /// Policy for MX delivery; static routes and the smarthost carry their own.
  public var tls: OutboundTLSPolicy = .opportunistic(plaintextFallback: true)
  /// Per-domain next hops that override MX lookups.
  public var staticRoutes: [StaticRoute] = []
  public var smarthost: Smarthost?
  public var timeouts: SMTPClientTimeouts = .rfc5321
  /// Reply and command line limits for the client side.
  public var limits: SMTPLimits = SMTPLimits()
  /// How often the runner checks the store's change counter and the clock (at most one
  /// second, so `posta queue retry` takes effect within a second).
  public var pollInterval: Duration = .seconds(1)
  /// Most bytes of the original header quoted in a bounce.
  public var bounceHeaderLimit: Int = 64 * 1024
  /// Unix time in seconds; tests pass their own clock.
  public var clock: @Sendable () -> Int64 = { Int64(time(nil)) }

  public init(hostname: String) {
    self.hostname = hostname
  }

  /// The static route for `domain`, if one is configured.
  public func staticRoute(for domain: String) -> StaticRoute? {
    let d = domain.lowercased()
    return staticRoutes.first { $0.domain == d }
  }

  /// The smarthost for `domain`, if one applies.
  public func smarthost(for domain: String) -> Smarthost? {
    guard let smarthost, smarthost.covers(domain) else { return nil }
    return smarthost
  }
}
