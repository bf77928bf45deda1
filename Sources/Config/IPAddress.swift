/// Text forms of IPv4 and IPv6 addresses, kept here so `Config` needs no networking module.
///
/// Parsing is strict: dotted quads without leading zeros (a leading zero means octal to some
/// tools), IPv6 in RFC 4291 §2.2 text form, no zone identifiers.
enum IPAddress {
  /// The four bytes of a dotted-quad IPv4 address, or nil.
  static func parseIPv4(_ text: Substring) -> [UInt8]? {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 4 else { return nil }
    var bytes: [UInt8] = []
    for part in parts {
      guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
        part.count == 1 || part.first != "0", let value = UInt8(part)
      else { return nil }
      bytes.append(value)
    }
    return bytes
  }

  /// The sixteen bytes of an IPv6 address in RFC 4291 §2.2 text form, or nil.
  static func parseIPv6(_ text: Substring) -> [UInt8]? {
    guard text.count <= 45, text.contains(":") else { return nil }
    let halves = text.split(separator: "::", omittingEmptySubsequences: false)
    guard halves.count <= 2 else { return nil }
    guard let head = groups(halves[0], mayEndInIPv4: halves.count == 1) else { return nil }
    var words = head
    if halves.count == 2 {
      guard let tail = groups(halves[1], mayEndInIPv4: true), head.count + tail.count <= 7
      else { return nil }
      words += [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
    }
    guard words.count == 8 else { return nil }
    return words.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
  }

  /// The 16-bit groups of one side of `::`; an IPv4 tail counts as two groups.
  private static func groups(_ text: Substring, mayEndInIPv4: Bool) -> [UInt16]? {
    if text.isEmpty { return [] }
    let parts = text.split(separator: ":", omittingEmptySubsequences: false)
    var words: [UInt16] = []
    for (index, part) in parts.enumerated() {
      if index == parts.count - 1, mayEndInIPv4, part.contains(".") {
        guard let v4 = parseIPv4(part) else { return nil }
        words.append(UInt16(v4[0]) << 8 | UInt16(v4[1]))
        words.append(UInt16(v4[2]) << 8 | UInt16(v4[3]))
        continue
      }
      guard (1...4).contains(part.count), part.allSatisfy(\.isHexDigit),
        let word = UInt16(part, radix: 16)
      else { return nil }
      words.append(word)
    }
    return words
  }

  /// Bytes of a 4- or 16-byte address as text: dotted quad, or RFC 5952 canonical IPv6
  /// (lower case, longest zero run shortened, IPv4-mapped addresses in mixed notation).
  static func format(_ bytes: [UInt8]) -> String {
    if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
    guard bytes.count == 16 else { return bytes.map(String.init).joined(separator: ",") }
    if isIPv4Mapped(bytes) { return "::ffff:" + format(Array(bytes[12...])) }
    let words = (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
    // RFC 5952 §4.2: shorten the longest run of two or more zero groups, the first if tied.
    var best = (start: -1, length: 1)
    var index = 0
    while index < 8 {
      var end = index
      while end < 8, words[end] == 0 { end += 1 }
      if end - index > best.length { best = (index, end - index) }
      index = end == index ? index + 1 : end
    }
    let hex = words.map { String($0, radix: 16) }
    if best.start < 0 { return hex.joined(separator: ":") }
    let left = hex[..<best.start].joined(separator: ":")
    let right = hex[(best.start + best.length)...].joined(separator: ":")
    return left + "::" + right
  }

  /// True for `::ffff:a.b.c.d`, the IPv6 form of an IPv4 address (RFC 4291 §2.5.5.2).
  static func isIPv4Mapped(_ bytes: [UInt8]) -> Bool {
    bytes.count == 16 && bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff
      && bytes[11] == 0xff
  }
}
