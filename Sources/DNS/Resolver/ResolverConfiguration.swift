import Net

/// Which servers the resolver asks and how patiently, plus cache bounds.
/// Built from the config's `dns.servers` (`servers(from:)`) or from
/// /etc/resolv.conf (`system(path:)`).
public struct ResolverConfiguration: Sendable, Equatable {
  /// Recursive servers, asked in order.
  public var servers: [SocketAddress]
  /// How long to wait for one server's reply to one try.
  public var timeout: Duration
  /// How many rounds over all servers before giving up (1 = no retry).
  public var attempts: Int
  /// The most CNAME links followed for one lookup.
  public var maxCNAMEChain: Int
  /// The most answers cached; the soonest to expire go first when full.
  public var cacheCapacity: Int
  /// The longest a positive answer is cached, whatever its TTL says.
  public var maxTTL: UInt32
  /// The longest a negative answer (NXDOMAIN, no data) is cached. Short,
  /// because a domain being set up should start working soon.
  public var maxNegativeTTL: UInt32
  /// The UDP payload size advertised with EDNS0.
  public var udpPayloadSize: UInt16

  public init(
    servers: [SocketAddress], timeout: Duration = .seconds(3), attempts: Int = 2,
    maxCNAMEChain: Int = 8, cacheCapacity: Int = 10_000, maxTTL: UInt32 = 86_400,
    maxNegativeTTL: UInt32 = 900, udpPayloadSize: UInt16 = 1232
  ) {
    self.servers = servers
    self.timeout = timeout
    self.attempts = max(1, attempts)
    self.maxCNAMEChain = maxCNAMEChain
    self.cacheCapacity = max(1, cacheCapacity)
    self.maxTTL = maxTTL
    self.maxNegativeTTL = maxNegativeTTL
    self.udpPayloadSize = udpPayloadSize
  }

  /// The servers, timeout and attempts a parsed resolv.conf gives.
  public init(resolvConf: ResolvConf) {
    self.init(servers: resolvConf.nameservers)
    if let t = resolvConf.timeout { timeout = t }
    if let a = resolvConf.attempts { attempts = max(1, a) }
  }

  /// The system's configuration from `path`. As the C library does, a missing
  /// or empty file means one server on 127.0.0.1:53.
  public static func system(path: String = "/etc/resolv.conf") -> ResolverConfiguration {
    var conf = (try? ResolvConf.read(path: path)) ?? ResolvConf()
    if conf.nameservers.isEmpty {
      conf.nameservers = [try! SocketAddress(host: "127.0.0.1", port: 53)]
    }
    return ResolverConfiguration(resolvConf: conf)
  }

  /// Parses `dns.servers` entries: `host:port`, `[v6]:port`, or a bare IP
  /// literal for port 53.
  /// - Throws: `DNSError.invalidConfiguration` naming the entry.
  public static func servers(from entries: [String]) throws(DNSError) -> [SocketAddress] {
    var out: [SocketAddress] = []
    for entry in entries {
      let text = entry.trimmingSpaces
      if let ip = SocketAddress.parseIP(text), text.lowercased() != "localhost" {
        out.append(try! SocketAddress(bytes: ip, port: 53))
        continue
      }
      do {
        out.append(try SocketAddress(text))
      } catch {
        throw .invalidConfiguration(
          "dns.servers entry \"\(entry)\": \(error); write an IP address with a port, "
            + "like 127.0.0.1:53 or [::1]:53")
      }
    }
    return out
  }
}

extension String {
  var trimmingSpaces: String {
    var s = Substring(self)
    while let f = s.first, f == " " || f == "\t" || f == "\r" { s.removeFirst() }
    while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
    return String(s)
  }
}
