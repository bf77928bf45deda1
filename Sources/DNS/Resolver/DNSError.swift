import Net

/// Why a lookup gave no answer. `isPermanent` tells the queue whether to fail
/// a recipient at once (the name does not exist) or to retry later (every
/// other case: a server, the network or the configuration may recover).
public enum DNSError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The name does not exist (NXDOMAIN). Permanent.
  case nxdomain(String)
  /// The text given is not a domain name that could exist. Permanent.
  case invalidName(String, reason: String)
  /// Every server answered with an error code (SERVFAIL, REFUSED…); `server`
  /// is the last one asked. Temporary.
  case serverFailure(name: String, rcode: DNSRcode, server: SocketAddress)
  /// No server answered within its timeout, in `attempts` tries. Temporary.
  case timedOut(name: String, attempts: Int)
  /// Sending or receiving failed (for example connection refused). Temporary.
  case network(name: String, reason: String)
  /// Replies came back but could not be used (undecodable, or a TCP reply that
  /// does not match the query). Temporary.
  case malformedReply(name: String, reason: String)
  /// A CNAME chain leads back to a name already on it. Temporary: it is a
  /// misconfiguration the domain's owner can fix.
  case cnameLoop(name: String)
  /// A CNAME chain is longer than the configured limit. Temporary.
  case cnameChainTooLong(name: String, limit: Int)
  /// No DNS servers are configured. Temporary.
  case noServers
  /// A `dns.servers` entry or resolv.conf could not be used.
  case invalidConfiguration(String)
  /// The task waiting for the answer was cancelled.
  case cancelled

  /// Whether retrying cannot help: the name does not or cannot exist.
  public var isPermanent: Bool {
    switch self {
    case .nxdomain, .invalidName: true
    default: false
    }
  }

  /// Whether a later retry may succeed (the opposite of `isPermanent`).
  public var isTemporary: Bool { !isPermanent }

  public var description: String {
    switch self {
    case .nxdomain(let name):
      "DNS: \(name) does not exist (NXDOMAIN)"
    case .invalidName(let name, let reason):
      "DNS: \"\(name)\" is not a valid domain name: \(reason)"
    case .serverFailure(let name, let rcode, let server):
      "DNS: server \(server) answered \(rcode) for \(name); the domain's servers may be down"
    case .timedOut(let name, let attempts):
      "DNS: no answer for \(name) after \(attempts) tries; check dns.servers and the network"
    case .network(let name, let reason):
      "DNS: could not query \(name): \(reason); check dns.servers and the network"
    case .malformedReply(let name, let reason):
      "DNS: unusable reply for \(name): \(reason)"
    case .cnameLoop(let name):
      "DNS: the CNAME chain of \(name) loops"
    case .cnameChainTooLong(let name, let limit):
      "DNS: the CNAME chain of \(name) is longer than \(limit) links"
    case .noServers:
      "DNS: no servers configured; set dns.servers or add nameserver lines to /etc/resolv.conf"
    case .invalidConfiguration(let reason):
      "DNS configuration: \(reason)"
    case .cancelled:
      "DNS: lookup cancelled"
    }
  }
}
