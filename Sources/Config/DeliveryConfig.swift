/// `[dns]`: where the resolver sends its queries.
public struct DNSConfig: Sendable, Equatable {
  /// Name servers as `ip:port` (`[ipv6]:port`), validated and in canonical form; empty means
  /// those of `/etc/resolv.conf`.
  public var servers: [String]

  static let unset = DNSConfig(servers: [])
}

/// How outbound connections to MX hosts use TLS (`[delivery] tls`).
public enum DeliveryTLS: String, Sendable, Equatable {
  /// STARTTLS when offered, any certificate accepted, plain text after a failed handshake.
  case opportunistic
  /// STARTTLS must succeed (certificate not verified); otherwise the recipient is deferred.
  case required
  /// Never STARTTLS.
  case none
}

/// `[delivery]`: the outbound queue.
public struct DeliveryConfig: Sendable, Equatable {
  /// Waits between attempts; the last one repeats.
  public var retryIntervals: [Duration]
  /// How long a message may stay queued before a temporary failure becomes a bounce.
  public var expiry: Duration
  /// How long after queueing the sender is told once that a message is still undelivered;
  /// zero sends no warning. Always shorter than `expiry` when set.
  public var delayWarning: Duration
  /// Outbound connections open at once.
  public var maxConnections: Int
  /// Outbound connections open at once to one destination (a domain's MX hosts, a route's
  /// host, the smarthost); never more than `maxConnections`.
  public var maxConnectionsPerDestination: Int
  public var tls: DeliveryTLS
  /// `[[delivery.route]]` entries, filled from their own table.
  public var routes: [RouteConfig]
  /// `[delivery.smarthost]`, filled from its own table; nil when the file has none.
  public var smarthost: SmarthostConfig?

  static let unset = DeliveryConfig(
    retryIntervals: [], expiry: .seconds(5 * 86_400), delayWarning: .zero, maxConnections: 20,
    maxConnectionsPerDestination: 4, tls: .opportunistic, routes: [], smarthost: nil)
}

/// `[[delivery.route]]`: mail for `domain` goes to `host:port` instead of its MX hosts.
public struct RouteConfig: Sendable, Equatable {
  /// Recipient domain, lower case.
  public var domain: String
  /// An IP literal or a host name.
  public var host: String
  public var port: Int

  static let unset = RouteConfig(domain: "", host: "", port: 25)
}

/// How the smarthost connection uses TLS (`[delivery.smarthost] tls`).
public enum SmarthostTLS: String, Sendable, Equatable {
  /// TLS is mandatory and the certificate must chain to a trusted CA (the system store, or
  /// `ca_file`) and carry the host's name.
  case verify
  /// TLS is mandatory, any certificate is accepted.
  case required
  /// STARTTLS when offered, plain text otherwise (credentials are still never sent in clear).
  case opportunistic
  /// Never TLS; only for a relay without AUTH on a trusted link.
  case none
}

/// `[delivery.smarthost]`: a relay that takes outbound mail (all of it, or for some domains)
/// instead of the recipients' MX hosts, for hosts whose port 25 is blocked.
public struct SmarthostConfig: Sendable, Equatable {
  /// An IP literal (without brackets) or a host name, lower case.
  public var host: String
  /// 1–65535: the port written after the host, else 465 with `implicitTLS`, else 587.
  public var port: Int
  /// TLS from the first byte (RFC 8314, port 465) instead of STARTTLS.
  public var implicitTLS: Bool
  /// The AUTH user; empty relays without AUTH.
  public var username: String
  /// The file holding the password (read when used, see `FileReference.readSecret`); set
  /// exactly when `username` is.
  public var passwordFile: FileReference?
  /// Recipient domains relayed, lower case; empty means every domain.
  public var domains: [String]
  public var tls: SmarthostTLS
  /// CAs to verify the relay against instead of the system store; only with `tls = verify`.
  public var caFile: FileReference?

  /// The host as `host:port`, with brackets around an IPv6 literal.
  public var address: String {
    host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
  }

  /// `host` as the key is written: the port is 0 until the table is finished and the
  /// default for `implicit_tls` is known.
  var endpoint: HostPort {
    get { HostPort(host: host, port: port == 0 ? nil : port, isIPLiteral: false) }
    set {
      host = newValue.host
      port = newValue.port ?? 0
    }
  }

  static let unset = SmarthostConfig(
    host: "", port: 0, implicitTLS: false, username: "", passwordFile: nil, domains: [],
    tls: .verify, caFile: nil)
}

/// `[dkim]`: how outbound mail is signed.
public struct DKIMConfig: Sendable, Equatable {
  /// Generated selectors start with this, then the date and a counter.
  public var selectorPrefix: String
  /// Add an `ed25519-sha256` signature (RFC 8463) next to the RSA one.
  public var ed25519: Bool

  static let unset = DKIMConfig(selectorPrefix: "posta", ed25519: false)
}
