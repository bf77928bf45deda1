import Glibc

/// What Auth needs to know about a client's IP address (given as text: the peer address,
/// or the PROXY-protocol one where a proxy stands in front).
enum ClientAddress {
  private enum Parsed {
    case v4([UInt8])
    case v6([UInt8])
  }

  /// Parses an IPv4 or IPv6 literal, with optional brackets and zone; an IPv4-mapped IPv6
  /// address (`::ffff:a.b.c.d`) is its IPv4 address.
  private static func parse(_ text: String) -> Parsed? {
    var s = Substring(text)
    if s.hasPrefix("["), s.hasSuffix("]") { s = s.dropFirst().dropLast() }
    if let percent = s.firstIndex(of: "%") { s = s[..<percent] }
    let literal = String(s)
    var v4 = in_addr()
    if inet_pton(AF_INET, literal, &v4) == 1 {
      return .v4(withUnsafeBytes(of: &v4) { Array($0) })
    }
    var v6 = in6_addr()
    guard inet_pton(AF_INET6, literal, &v6) == 1 else { return nil }
    let bytes = withUnsafeBytes(of: &v6) { Array($0) }
    if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
      return .v4(Array(bytes[12..<16]))
    }
    return .v6(bytes)
  }

  /// Whether the address is loopback: 127.0.0.0/8 or ::1 (or 127/8 mapped into IPv6).
  static func isLoopback(_ text: String) -> Bool {
    switch parse(text) {
    case .v4(let b): b[0] == 127
    case .v6(let b): b[0..<15].allSatisfy { $0 == 0 } && b[15] == 1
    case nil: false
    }
  }

  /// The key failures are counted under: the IPv4 address, or the IPv6 /64 prefix, since
  /// one IPv6 host usually holds a whole /64 and could otherwise change address per try.
  static func throttleKey(_ text: String) -> String {
    switch parse(text) {
    case .v4(let b): return b.map(String.init).joined(separator: ".")
    case .v6(let b):
      let groups = stride(from: 0, to: 8, by: 2).map {
        String(UInt16(b[$0]) << 8 | UInt16(b[$0 + 1]), radix: 16)
      }
      return groups.joined(separator: ":") + "::/64"
    case nil: return text.lowercased()
    }
  }
}
