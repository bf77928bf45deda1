import Glibc

/// An IPv4 or IPv6 address with a port.
///
/// `bytes` is the address in network order (4 or 16 bytes); `host` is its text
/// form as `inet_ntop` writes it (`"127.0.0.1"`, `"::1"`).
public struct SocketAddress: Sendable, Hashable, CustomStringConvertible {
  /// The address family.
  public enum Family: Sendable, Hashable {
    case ipv4
    case ipv6
  }

  /// The address in network byte order: 4 bytes for IPv4, 16 for IPv6.
  public let bytes: [UInt8]
  /// The port in host byte order.
  public let port: UInt16

  /// An address from raw bytes (4 or 16 of them).
  public init(bytes: [UInt8], port: UInt16) throws(NetError) {
    guard bytes.count == 4 || bytes.count == 16 else {
      throw NetError.invalidAddress("\(bytes)", reason: "an IP address has 4 or 16 bytes")
    }
    self.bytes = bytes
    self.port = port
  }

  /// An address from an IP literal (`"192.0.2.1"`, `"::1"`, `"[::1]"`) or
  /// `"localhost"` (127.0.0.1). Other host names are not resolved here.
  public init(host: String, port: UInt16) throws(NetError) {
    guard let b = SocketAddress.parseIP(host) else {
      throw NetError.invalidAddress(host, reason: "expected an IPv4 or IPv6 address")
    }
    self.bytes = b
    self.port = port
  }

  /// Parses `"host:port"` or `"[ipv6]:port"`, as written in the configuration.
  /// The host is an IP literal or `localhost`.
  public init(_ text: String) throws(NetError) {
    let host: Substring
    let portText: Substring
    if text.hasPrefix("[") {
      guard let close = text.firstIndex(of: "]") else {
        throw NetError.invalidAddress(text, reason: "missing ']' after the IPv6 address")
      }
      host = text[text.index(after: text.startIndex)..<close]
      let rest = text[text.index(after: close)...]
      guard rest.first == ":" else {
        throw NetError.invalidAddress(text, reason: "expected ':port' after ']'")
      }
      portText = rest.dropFirst()
    } else {
      guard let colon = text.lastIndex(of: ":") else {
        throw NetError.invalidAddress(text, reason: "expected host:port")
      }
      host = text[..<colon]
      if host.contains(":") {
        throw NetError.invalidAddress(text, reason: "write IPv6 addresses as [address]:port")
      }
      portText = text[text.index(after: colon)...]
    }
    guard let port = SocketAddress.parsePort(portText) else {
      throw NetError.invalidAddress(text, reason: "port must be a number from 0 to 65535")
    }
    guard let b = SocketAddress.parseIP(String(host)) else {
      throw NetError.invalidAddress(text, reason: "host must be an IP address or localhost")
    }
    self.bytes = b
    self.port = port
  }

  /// Parses an IP literal to 4 or 16 bytes (brackets around IPv6 allowed);
  /// `"localhost"` gives 127.0.0.1. Nil if the text is neither.
  public static func parseIP(_ text: String) -> [UInt8]? {
    var t = Substring(text)
    if t.hasPrefix("[") && t.hasSuffix("]") { t = t.dropFirst().dropLast() }
    if t.lowercased() == "localhost" { return [127, 0, 0, 1] }
    if t.isEmpty || t.count > 45 { return nil }
    var v4 = in_addr()
    if inet_pton(AF_INET, String(t), &v4) == 1 {
      return withUnsafeBytes(of: &v4) { Array($0) }
    }
    var v6 = in6_addr()
    if inet_pton(AF_INET6, String(t), &v6) == 1 {
      return withUnsafeBytes(of: &v6) { Array($0) }
    }
    return nil
  }

  /// Parses a decimal port, 0...65535, at most 5 digits.
  static func parsePort(_ text: Substring) -> UInt16? {
    guard !text.isEmpty, text.count <= 5, text.allSatisfy({ $0.isASCII && $0.isNumber }),
      let v = Int(text), v <= 65535
    else { return nil }
    return UInt16(v)
  }

  /// IPv4 or IPv6.
  public var family: Family { bytes.count == 4 ? .ipv4 : .ipv6 }

  /// The address as text, without the port.
  public var host: String {
    var out = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
    let ok = bytes.withUnsafeBytes { src in
      inet_ntop(family == .ipv4 ? AF_INET : AF_INET6, src.baseAddress, &out, socklen_t(out.count))
        != nil
    }
    guard ok, let end = out.firstIndex(of: 0) else { return "?" }
    return String(decoding: out[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// True for 127.0.0.0/8, ::1 and IPv4-mapped ::ffff:127.0.0.0/104.
  public var isLoopback: Bool {
    if bytes.count == 4 { return bytes[0] == 127 }
    if let v4 = ipv4Mapped { return v4[0] == 127 }
    return bytes == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
  }

  /// The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:a.b.c.d).
  public var ipv4Mapped: [UInt8]? {
    guard bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff,
      bytes[11] == 0xff
    else { return nil }
    return Array(bytes[12..<16])
  }

  /// The same address with IPv4-mapped IPv6 turned into plain IPv4, so limits
  /// and allow-lists see one form.
  public var unmapped: SocketAddress {
    guard let v4 = ipv4Mapped else { return self }
    return (try? SocketAddress(bytes: v4, port: port)) ?? self
  }

  /// `"192.0.2.1:25"` or `"[2001:db8::1]:25"`.
  public var description: String {
    family == .ipv4 ? "\(host):\(port)" : "[\(host)]:\(port)"
  }

  // MARK: - sockaddr

  /// The IPv4 or IPv6 address a C API handed over (getaddrinfo, getifaddrs); nil for any
  /// other family.
  public init?(_ address: UnsafePointer<sockaddr>) {
    var storage = sockaddr_storage()
    let size: Int
    switch Int32(address.pointee.sa_family) {
    case AF_INET: size = MemoryLayout<sockaddr_in>.size
    case AF_INET6: size = MemoryLayout<sockaddr_in6>.size
    default: return nil
    }
    withUnsafeMutableBytes(of: &storage) {
      $0.copyMemory(from: UnsafeRawBufferPointer(start: address, count: size))
    }
    self.init(storage: storage)
  }

  init?(storage: sockaddr_storage) {
    var s = storage
    switch Int32(s.ss_family) {
    case AF_INET:
      let sin = withUnsafeBytes(of: &s) { $0.load(as: sockaddr_in.self) }
      var addr = sin.sin_addr
      self.bytes = withUnsafeBytes(of: &addr) { Array($0) }
      self.port = UInt16(bigEndian: sin.sin_port)
    case AF_INET6:
      let sin6 = withUnsafeBytes(of: &s) { $0.load(as: sockaddr_in6.self) }
      var addr = sin6.sin6_addr
      self.bytes = withUnsafeBytes(of: &addr) { Array($0) }
      self.port = UInt16(bigEndian: sin6.sin6_port)
    default:
      return nil
    }
  }

  var socketFamily: Int32 { family == .ipv4 ? AF_INET : AF_INET6 }

  /// Calls `body` with this address as a `sockaddr` and its length.
  func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
    if family == .ipv4 {
      var sin = sockaddr_in()
      sin.sin_family = sa_family_t(AF_INET)
      sin.sin_port = port.bigEndian
      withUnsafeMutableBytes(of: &sin.sin_addr) { $0.copyBytes(from: bytes) }
      return withUnsafePointer(to: &sin) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
      }
    }
    var sin6 = sockaddr_in6()
    sin6.sin6_family = sa_family_t(AF_INET6)
    sin6.sin6_port = port.bigEndian
    withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyBytes(from: bytes) }
    return withUnsafePointer(to: &sin6) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
      }
    }
  }
}
