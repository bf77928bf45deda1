import DNS

/// Credentials for AUTH PLAIN (RFC 4616) at a smarthost.
public struct SMTPCredentials: Sendable, Hashable, CustomStringConvertible {
  public var username: String
  public var password: String

  public init(username: String, password: String) {
    self.username = username
    self.password = password
  }

  /// Never the password.
  public var description: String { "\(username):***" }
}

/// One host to try for a domain, with how to talk to it.
public struct RouteHost: Sendable, Hashable {
  /// A host name (resolved through A/AAAA) or an IP literal. Also the TLS server name and
  /// the `Remote-MTA` of bounces.
  public var name: String
  public var port: UInt16
  public var tls: OutboundTLSPolicy
  /// TLS from the first byte (port 465) instead of STARTTLS.
  public var implicitTLS: Bool
  public var credentials: SMTPCredentials?
  /// CAs to verify against instead of the system store.
  public var trustedCertificatesPath: String?

  public init(
    name: String, port: UInt16, tls: OutboundTLSPolicy, implicitTLS: Bool = false,
    credentials: SMTPCredentials? = nil, trustedCertificatesPath: String? = nil
  ) {
    self.name = name
    self.port = port
    self.tls = tls
    self.implicitTLS = implicitTLS
    self.credentials = credentials
    self.trustedCertificatesPath = trustedCertificatesPath
  }
}

/// Where mail for a domain goes.
public enum Route: Sendable, Hashable {
  /// Try these hosts in order. `unresolvableIsPermanent`: when none of them has an address
  /// (NXDOMAIN or no A/AAAA, no temporary error), the recipients fail — true for MX hosts,
  /// false for configured hosts, whose names are the admin's to fix.
  case hosts([RouteHost], unresolvableIsPermanent: Bool)
  /// The domain cannot receive mail: fail its recipients.
  case failed(DeliveryReply)
  /// DNS could not answer now: defer its recipients.
  case deferred(DeliveryReply)
}

/// Decides the hosts for a recipient domain: a static route, else the smarthost if it
/// covers the domain, else the domain's MX hosts (RFC 5321 §5.1).
public struct Router: Sendable {
  public let settings: DeliverySettings
  public let resolver: any DNSResolving

  public init(settings: DeliverySettings, resolver: any DNSResolving) {
    self.settings = settings
    self.resolver = resolver
  }

  /// The key the per-destination connection limit counts under.
  public func destination(for domain: String) -> String {
    if let r = settings.staticRoute(for: domain) { return "route:\(r.host):\(r.port)" }
    if let s = settings.smarthost(for: domain) { return "smarthost:\(s.host):\(s.port)" }
    return "mx:" + domain.lowercased()
  }

  /// The route for `domain` (no final dot, any case).
  public func route(_ domain: String) async -> Route {
    if let r = settings.staticRoute(for: domain) {
      return .hosts(
        [RouteHost(name: r.host, port: r.port, tls: r.tls)], unresolvableIsPermanent: false)
    }
    if let s = settings.smarthost(for: domain) {
      let credentials = s.username.map {
        SMTPCredentials(username: $0, password: s.password ?? "")
      }
      let host = RouteHost(
        name: s.host, port: s.port, tls: s.tls, implicitTLS: s.implicitTLS,
        credentials: credentials, trustedCertificatesPath: s.trustedCertificatesPath)
      return .hosts([host], unresolvableIsPermanent: false)
    }
    if domain.hasPrefix("[") && domain.hasSuffix("]") {
      // RFC 5321 §4.1.3: an address literal names the host itself; no DNS.
      var inner = domain.dropFirst().dropLast()
      if inner.lowercased().hasPrefix("ipv6:") { inner = inner.dropFirst(5) }
      guard let ip = IPAddress(String(inner)) else {
        return .failed(.local(553, (5, 1, 2), "bad address literal \(domain)"))
      }
      let host = RouteHost(name: ip.description, port: settings.mxPort, tls: settings.tls)
      return .hosts([host], unresolvableIsPermanent: true)
    }
    let result: MXResult
    do {
      result = try await resolver.mx(domain)
    } catch {
      if error.isPermanent {
        return .failed(.local(550, (5, 1, 2), "domain \(domain) does not exist (\(error))"))
      }
      return .deferred(.local(451, (4, 4, 3), "MX lookup for \(domain) failed: \(error)"))
    }
    let mxHost = { (name: String) in
      RouteHost(name: name, port: self.settings.mxPort, tls: self.settings.tls)
    }
    switch result {
    case .records(let records):
      var rng = SystemRandomNumberGenerator()
      return .hosts(
        Self.orderMX(records, using: &rng).map { mxHost($0.host) }, unresolvableIsPermanent: true)
    case .noRecords:
      // RFC 5321 §5.1: no MX records, so the domain itself is the implicit MX.
      return .hosts([mxHost(domain)], unresolvableIsPermanent: true)
    case .nullMX:
      // RFC 7505 §4.1.
      return .failed(.local(556, (5, 1, 10), "domain \(domain) accepts no mail (null MX)"))
    case .nxdomain:
      return .failed(.local(550, (5, 1, 2), "domain \(domain) does not exist (NXDOMAIN)"))
    }
  }

  /// MX hosts by ascending preference, shuffled among equal preferences so load spreads
  /// (RFC 5321 §5.1); a host listed twice is tried once, at its best preference.
  public static func orderMX(_ records: [MX], using rng: inout some RandomNumberGenerator)
    -> [MX]
  {
    var groups: [UInt16: [MX]] = [:]
    for r in records { groups[r.preference, default: []].append(r) }
    var seen = Set<String>()
    var out: [MX] = []
    for preference in groups.keys.sorted() {
      for r in groups[preference, default: []].shuffled(using: &rng)
      where seen.insert(r.host.lowercased()).inserted {
        out.append(r)
      }
    }
    return out
  }
}
