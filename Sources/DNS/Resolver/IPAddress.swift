import Net

/// An IPv4 or IPv6 address without a port: what A and AAAA records hold.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
  /// The address in network order: 4 octets for IPv4, 16 for IPv6.
  public let bytes: [UInt8]

  /// An address from 4 or 16 octets; nil for any other count.
  public init?(bytes: [UInt8]) {
    guard bytes.count == 4 || bytes.count == 16 else { return nil }
    self.bytes = bytes
  }

  /// Parses an IPv4 or IPv6 literal (brackets around IPv6 allowed).
  public init?(_ text: String) {
    guard text.lowercased() != "localhost", let b = SocketAddress.parseIP(text) else {
      return nil
    }
    self.bytes = b
  }

  public var family: SocketAddress.Family { bytes.count == 4 ? .ipv4 : .ipv6 }

  /// This address with a port, to connect to.
  public func socketAddress(port: UInt16) -> SocketAddress {
    // The init only fails for a byte count other than 4 or 16, which ours never is.
    try! SocketAddress(bytes: bytes, port: port)
  }

  /// `192.0.2.1` or `2001:db8::1`.
  public var description: String { socketAddress(port: 0).host }

  /// The name a PTR lookup asks for: `1.2.0.192.in-addr.arpa` or the nibble
  /// form under `ip6.arpa` (RFC 1035 §3.5, RFC 3596 §2.5).
  public var reverseName: DNSName {
    let digits = Array("0123456789abcdef".utf8)
    var labels: [[UInt8]]
    if bytes.count == 4 {
      labels = bytes.reversed().map { Array(String($0).utf8) }
      labels += [Array("in-addr".utf8), Array("arpa".utf8)]
    } else {
      labels = bytes.reversed().flatMap { [[digits[Int($0 & 0xf)]], [digits[Int($0 >> 4)]]] }
      labels += [Array("ip6".utf8), Array("arpa".utf8)]
    }
    // At most 34 short labels: always a valid name.
    return try! DNSName(labels: labels)
  }
}
