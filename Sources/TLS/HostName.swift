import Glibc

/// Host name and IP address rules shared by SNI selection, client verification and
/// certificate generation.
enum HostName {
  /// Lowercased, without a trailing dot or IPv6 brackets; IP addresses in canonical
  /// text form ("0:0::1" becomes "::1").
  static func normalize(_ name: String) -> String {
    var s = name.lowercased()
    if s.hasPrefix("["), s.hasSuffix("]") { s = String(s.dropFirst().dropLast()) }
    if s.hasSuffix(".") { s.removeLast() }
    if let ip = canonicalIP(s) { return ip }
    return s
  }

  /// The canonical text of an IPv4 or IPv6 literal, or nil if `text` is not one.
  static func canonicalIP(_ text: String) -> String? {
    if let bytes = ipBytes(text) { return ipString(bytes) }
    return nil
  }

  /// The 4 or 16 network-order bytes of an IP literal.
  static func ipBytes(_ text: String) -> [UInt8]? {
    var v4 = in_addr()
    if inet_pton(AF_INET, text, &v4) == 1 {
      return withUnsafeBytes(of: &v4) { Array($0) }
    }
    var v6 = in6_addr()
    if inet_pton(AF_INET6, text, &v6) == 1 {
      return withUnsafeBytes(of: &v6) { Array($0) }
    }
    return nil
  }

  /// Text form of 4 or 16 address bytes (nil for other lengths).
  static func ipString(_ bytes: [UInt8]) -> String? {
    let family: Int32
    switch bytes.count {
    case 4: family = AF_INET
    case 16: family = AF_INET6
    default: return nil
    }
    var text = [CChar](repeating: 0, count: 64)
    let ok = bytes.withUnsafeBytes { raw in
      inet_ntop(family, raw.baseAddress, &text, socklen_t(text.count)) != nil
    }
    guard ok else { return nil }
    return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// Whether `name` (already normalized) is a usable DNS name: LDH labels, at most
  /// 253 octets, optionally starting with a `*.` wildcard label.
  static func isValidDNSName(_ name: String) -> Bool {
    var labels = name.split(separator: ".", omittingEmptySubsequences: false)
    guard !labels.isEmpty, name.utf8.count <= 253 else { return false }
    if labels[0] == "*" {
      guard labels.count >= 3 else { return false }
      labels.removeFirst()
    }
    for label in labels {
      guard !label.isEmpty, label.utf8.count <= 63, label.first != "-", label.last != "-" else {
        return false
      }
      for c in label.utf8 {
        let ok = (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 45 || c == 95
        if !ok { return false }
      }
    }
    return true
  }

  /// Whether certificate name `pattern` covers `host` (both normalized). A wildcard
  /// covers exactly one leftmost label (RFC 6125 §6.4.3): `*.example.com` matches
  /// `mail.example.com`, not `example.com` or `a.b.example.com`.
  static func matches(pattern: String, host: String) -> Bool {
    if pattern == host { return true }
    guard pattern.hasPrefix("*.") else { return false }
    let suffix = pattern.dropFirst(1)  // ".example.com"
    guard host.hasSuffix(suffix) else { return false }
    let label = host.dropLast(suffix.count)
    return !label.isEmpty && !label.contains(".")
  }
}
