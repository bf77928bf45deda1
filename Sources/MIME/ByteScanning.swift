import Glibc

/// Byte-level helpers shared by the parsers. They work on a borrowed buffer and offsets, so no
/// parser copies what it only needs to look at.
enum ASCII {
  static let lf: UInt8 = 0x0A
  static let cr: UInt8 = 0x0D
  static let space: UInt8 = 0x20
  static let tab: UInt8 = 0x09
  static let colon: UInt8 = 0x3A
  static let dash: UInt8 = 0x2D
  static let quote: UInt8 = 0x22
  static let backslash: UInt8 = 0x5C

  @inline(__always) static func isWSP(_ b: UInt8) -> Bool { b == space || b == tab }

  @inline(__always) static func isWhitespace(_ b: UInt8) -> Bool {
    b == space || b == tab || b == cr || b == lf
  }

  @inline(__always) static func lower(_ b: UInt8) -> UInt8 {
    b >= 0x41 && b <= 0x5A ? b | 0x20 : b
  }

  @inline(__always) static func upper(_ b: UInt8) -> UInt8 {
    b >= 0x61 && b <= 0x7A ? b & ~0x20 : b
  }

  @inline(__always) static func hexValue(_ b: UInt8) -> UInt8? {
    switch b {
    case 0x30...0x39: b - 0x30
    case 0x41...0x46: b - 0x41 + 10
    case 0x61...0x66: b - 0x61 + 10
    default: nil
    }
  }

  /// Lowercases ASCII letters of a string, leaving other characters alone.
  static func lowercased(_ s: String) -> String {
    String(decoding: s.utf8.map(lower), as: UTF8.self)
  }

  /// Uppercases ASCII letters of a string, leaving other characters alone.
  static func uppercased(_ s: String) -> String {
    String(decoding: s.utf8.map(upper), as: UTF8.self)
  }

  /// Case-insensitive ASCII equality.
  static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
    a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).allSatisfy { lower($0) == lower($1) }
  }
}

extension UnsafeRawBufferPointer {
  /// Offset just after the next LF at or after `from`, or `end` when there is none.
  @inline(__always) func lineEnd(from: Int, end: Int) -> Int {
    guard from < end, let base = baseAddress else { return end }
    guard let hit = memchr(base + from, Int32(ASCII.lf), end - from) else { return end }
    return base.distance(to: UnsafeRawPointer(hit)) + 1
  }

  /// Number of LF bytes in `range`.
  func countLineFeeds(in range: Range<Int>) -> Int {
    guard let base = baseAddress else { return 0 }
    var count = 0
    var p = range.lowerBound
    let end = range.upperBound
    while p < end {
      guard let hit = memchr(base + p, Int32(ASCII.lf), end - p) else { break }
      count += 1
      p = base.distance(to: UnsafeRawPointer(hit)) + 1
    }
    return count
  }

  /// Whether `range` holds `lowercaseName` compared case-insensitively.
  @inline(__always) func equalsLowercase(_ range: Range<Int>, _ lowercaseName: StaticString)
    -> Bool
  {
    guard range.count == lowercaseName.utf8CodeUnitCount else { return false }
    let name = lowercaseName.utf8Start
    for i in 0..<range.count where ASCII.lower(self[range.lowerBound + i]) != name[i] {
      return false
    }
    return true
  }

  /// `range` narrowed past leading and trailing SP, HT, CR and LF.
  func trimmed(_ range: Range<Int>) -> Range<Int> {
    var lo = range.lowerBound
    var hi = range.upperBound
    while lo < hi && ASCII.isWhitespace(self[lo]) { lo += 1 }
    while hi > lo && ASCII.isWhitespace(self[hi - 1]) { hi -= 1 }
    return lo..<hi
  }

  /// The bytes of `range` with CR and LF removed (RFC 5322 §2.2.3 unfolding) and the result
  /// trimmed of surrounding whitespace.
  func unfolded(_ range: Range<Int>) -> [UInt8] {
    let r = trimmed(range)
    var out = [UInt8]()
    out.reserveCapacity(r.count)
    for i in r {
      let b = self[i]
      if b != ASCII.cr && b != ASCII.lf { out.append(b) }
    }
    return out
  }
}

/// Turns raw header bytes into text.
enum HeaderText {
  /// Valid UTF-8 (RFC 6532) is taken as is; anything else is read as ISO-8859-1, the most
  /// common unlabelled 8-bit header charset, so no byte is lost or replaced.
  static func string<C: Collection<UInt8>>(_ bytes: C) -> String {
    if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
    if let s = String(validating: bytes, as: UTF8.self) { return s }
    var scalars = String.UnicodeScalarView()
    for b in bytes { scalars.append(Unicode.Scalar(b)) }
    return String(scalars)
  }
}
