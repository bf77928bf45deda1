import DNS
import Glibc
import Net

/// The addresses that are this server, from `DeliverySettings.ownAddresses`: the listed
/// ones, and for an unspecified one (0.0.0.0, ::) every address of the machine's
/// interfaces of that family, read when asked (interfaces come and go), plus the loopback
/// range (a wildcard listener answers on all of 127.0.0.0/8, not just lo's 127.0.0.1).
struct OwnAddresses: Sendable {
  let listed: Set<IPAddress>
  let anyIPv4: Bool
  let anyIPv6: Bool

  init(_ addresses: [IPAddress]) {
    listed = Set(addresses)
    anyIPv4 = addresses.contains { $0.bytes == [0, 0, 0, 0] }
    anyIPv6 = addresses.contains { $0.bytes == [UInt8](repeating: 0, count: 16) }
  }

  var isEmpty: Bool { listed.isEmpty }

  /// The first of `candidates` that is this server, if any.
  func firstOwn(of candidates: [IPAddress]) -> IPAddress? {
    guard !listed.isEmpty else { return nil }
    if let hit = candidates.first(where: listed.contains) { return hit }
    let wildcard = candidates.filter { $0.family == .ipv4 ? anyIPv4 : anyIPv6 }
    guard !wildcard.isEmpty else { return nil }
    let loopbackV6 = [UInt8](repeating: 0, count: 15) + [1]
    if let hit = wildcard.first(where: {
      $0.bytes.count == 4 ? $0.bytes[0] == 127 : $0.bytes == loopbackV6
    }) {
      return hit
    }
    let interfaces = Set(Self.interfaceAddresses())
    return wildcard.first(where: interfaces.contains)
  }

  /// Every IPv4 and IPv6 address configured on the machine's interfaces (getifaddrs(3));
  /// empty if they cannot be read.
  static func interfaceAddresses() -> [IPAddress] {
    var head: UnsafeMutablePointer<ifaddrs>?
    guard getifaddrs(&head) == 0, let first = head else { return [] }
    defer { freeifaddrs(head) }
    var out: [IPAddress] = []
    var node: UnsafeMutablePointer<ifaddrs>? = first
    while let n = node {
      if let sa = n.pointee.ifa_addr, let address = SocketAddress(UnsafePointer(sa)),
        let ip = IPAddress(bytes: address.bytes)
      {
        out.append(ip)
      }
      node = n.pointee.ifa_next
    }
    return out
  }
}
