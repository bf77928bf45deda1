/// `[dns]`: where the resolver sends its queries.
public struct DNSConfig: Sendable, Equatable {
  /// `host:port` name servers; empty means those of `/etc/resolv.conf`.
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
  /// Outbound connections open at once.
  public var maxConnections: Int
  public var tls: DeliveryTLS
  /// `[[delivery.route]]` entries, filled from their own table.
  public var routes: [RouteConfig]

  static let unset = DeliveryConfig(
    retryIntervals: [], expiry: .seconds(5 * 86_400), maxConnections: 20, tls: .opportunistic,
    routes: [])
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

/// `[dkim]`: how outbound mail is signed.
public struct DKIMConfig: Sendable, Equatable {
  /// Generated selectors start with this, then the date and a counter.
  public var selectorPrefix: String
  /// Add an `ed25519-sha256` signature (RFC 8463) next to the RSA one.
  public var ed25519: Bool

  static let unset = DKIMConfig(selectorPrefix: "posta", ed25519: false)
}
