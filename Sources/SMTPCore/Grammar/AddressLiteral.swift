/// An address literal, the bracketed IP address that may stand for a domain (RFC 5321 §4.1.3).
public enum AddressLiteral: Sendable, Hashable, CustomStringConvertible {
  /// `[192.0.2.1]`: four octets, most significant first.
  case ipv4([UInt8])
  /// `[IPv6:2001:db8::1]`: sixteen octets in network order.
  case ipv6([UInt8])
  /// `[tag:content]`, a General-address-literal for tags registered later.
  case general(tag: String, content: String)

  /// The literal with brackets; IPv6 in RFC 5952's canonical text form.
  public var description: String {
    switch self {
    case .ipv4(let o):
      precondition(o.count == 4, "an IPv4 literal has 4 octets")
      return "[" + o.map(String.init).joined(separator: ".") + "]"
    case .ipv6(let o):
      precondition(o.count == 16, "an IPv6 literal has 16 octets")
      return "[IPv6:" + AddressLiteral.ipv6Text(o) + "]"
    case .general(let tag, let content):
      return "[\(tag):\(content)]"
    }
  }

  /// Lower-case hex groups without leading zeros; the longest run of two or more zero groups
  /// (the first of equals) becomes `::` (RFC 5952 §4).
  static func ipv6Text(_ octets: [UInt8]) -> String {
    let groups = (0..<8).map { UInt16(octets[2 * $0]) << 8 | UInt16(octets[2 * $0 + 1]) }
    var best = (start: -1, length: 0)
    var run = (start: -1, length: 0)
    for (i, g) in groups.enumerated() {
      if g == 0 {
        if run.start < 0 { run = (i, 0) }
        run.length += 1
        if run.length > best.length { best = run }
      } else {
        run = (-1, 0)
      }
    }
    let hex = groups.map { String($0, radix: 16) }
    guard best.length >= 2 else { return hex.joined(separator: ":") }
    let head = hex[..<best.start].joined(separator: ":")
    let tail = hex[(best.start + best.length)...].joined(separator: ":")
    return head + "::" + tail
  }

  /// address-literal = "[" ( IPv4-address-literal / IPv6-address-literal /
  ///                         General-address-literal ) "]"
  /// General-address-literal = Standardized-tag ":" 1*dcontent
  /// dcontent = %d33-90 / %d94-126   ; printable US-ASCII except "[", "\", "]"
  static func parse(_ scanner: inout ByteScanner) throws(AddressError) -> AddressLiteral {
    guard scanner.take(ASCII.openBracket) else { throw AddressError("expected '['") }
    let body = scanner.take(while: { $0 != ASCII.closeBracket && $0 >= 33 && $0 <= 126 })
    guard scanner.take(ASCII.closeBracket) else {
      throw AddressError("address literal is not closed by ']'")
    }
    if let first = body.first, ASCII.isDigit(first) {
      guard let v4 = parseIPv4(body) else { throw AddressError("invalid IPv4 address literal") }
      return .ipv4(v4)
    }
    guard let colon = body.firstIndex(of: ASCII.colon) else {
      throw AddressError("address literal needs a tag such as IPv6:")
    }
    let tag = body[body.startIndex..<colon]
    let content = body[(colon + 1)...]
    if ASCII.equalsIgnoringCase(tag, "IPV6") {
      guard let v6 = parseIPv6(content) else { throw AddressError("invalid IPv6 address literal") }
      return .ipv6(v6)
    }
    // Standardized-tag = Ldh-str
    guard let tf = tag.first, let tl = tag.last, ASCII.isAlphaDigit(tf), ASCII.isAlphaDigit(tl),
      tag.allSatisfy({ ASCII.isAlphaDigit($0) || $0 == ASCII.hyphen })
    else { throw AddressError("invalid address literal tag") }
    guard !content.isEmpty,
      content.allSatisfy({ $0 != ASCII.openBracket && $0 != ASCII.backslash })
    else { throw AddressError("invalid address literal content") }
    return .general(tag: ASCII.lossyString(tag), content: ASCII.lossyString(content))
  }

  /// IPv4-address-literal = Snum 3("." Snum); Snum = 1*3DIGIT, 0–255
  static func parseIPv4(_ text: ArraySlice<UInt8>) -> [UInt8]? {
    let parts = text.split(separator: ASCII.dot, omittingEmptySubsequences: false)
    guard parts.count == 4 else { return nil }
    var out: [UInt8] = []
    for p in parts {
      guard (1...3).contains(p.count), p.allSatisfy(ASCII.isDigit) else { return nil }
      let v = p.reduce(0) { $0 * 10 + Int($1 - 0x30) }
      guard v <= 255 else { return nil }
      out.append(UInt8(v))
    }
    return out
  }

  /// IPv6-addr = IPv6-full / IPv6-comp / IPv6v4-full / IPv6v4-comp (RFC 5321 §4.1.3), with
  /// `::` allowed to stand for a single group as RFC 4291 §2.2 permits.
  static func parseIPv6(_ text: ArraySlice<UInt8>) -> [UInt8]? {
    guard !text.isEmpty, text.count <= 45 else { return nil }
    var head = Array(text)
    var tail: [UInt8] = []
    var compressed = false
    if let i = (0..<head.count - 1).first(where: {
      head[$0] == ASCII.colon && head[$0 + 1] == ASCII.colon
    }) {
      tail = Array(head[(i + 2)...])
      head = Array(head[..<i])
      compressed = true
      if tail.count >= 2
        && tail.indices.dropLast().contains(where: {
          tail[$0] == ASCII.colon && tail[$0 + 1] == ASCII.colon
        })
      {
        return nil
      }
    }
    func groups(_ part: [UInt8], allowIPv4: Bool) -> [UInt16]? {
      if part.isEmpty { return [] }
      let fields = part.split(separator: ASCII.colon, omittingEmptySubsequences: false)
      var out: [UInt16] = []
      for (i, f) in fields.enumerated() {
        if allowIPv4 && i == fields.count - 1 && f.contains(ASCII.dot) {
          guard let v4 = parseIPv4(f) else { return nil }
          out.append(UInt16(v4[0]) << 8 | UInt16(v4[1]))
          out.append(UInt16(v4[2]) << 8 | UInt16(v4[3]))
        } else {
          guard (1...4).contains(f.count), f.allSatisfy(ASCII.isHexDigit) else { return nil }
          out.append(f.reduce(0) { $0 << 4 | UInt16(ASCII.hexValue($1)!) })
        }
      }
      return out
    }
    guard let h = groups(head, allowIPv4: !compressed), let t = groups(tail, allowIPv4: true)
    else { return nil }
    let all: [UInt16]
    if compressed {
      guard h.count + t.count <= 7 else { return nil }
      all = h + Array(repeating: 0, count: 8 - h.count - t.count) + t
    } else {
      guard h.count == 8 else { return nil }
      all = h
    }
    return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
  }
}
