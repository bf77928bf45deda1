/// Byte classes and constants the SMTP grammar is written in (RFC 5234 core rules, RFC 5321
/// §4.1.2 and RFC 5322 §3.2.3).
///
/// Constants are computed properties: a `static let` is a lazily initialised global, and its
/// once-check showed up as a fifth of the DATA decoder's time.
enum ASCII {
  static var cr: UInt8 { 0x0D }
  static var lf: UInt8 { 0x0A }
  static var space: UInt8 { 0x20 }
  static var tab: UInt8 { 0x09 }
  static var dot: UInt8 { 0x2E }
  static var colon: UInt8 { 0x3A }
  static var at: UInt8 { 0x40 }
  static var less: UInt8 { 0x3C }
  static var greater: UInt8 { 0x3E }
  static var quote: UInt8 { 0x22 }
  static var backslash: UInt8 { 0x5C }
  static var equals: UInt8 { 0x3D }
  static var plus: UInt8 { 0x2B }
  static var comma: UInt8 { 0x2C }
  static var hyphen: UInt8 { 0x2D }
  static var underscore: UInt8 { 0x5F }
  static var openBracket: UInt8 { 0x5B }
  static var closeBracket: UInt8 { 0x5D }
  static var semicolon: UInt8 { 0x3B }

  static func isAlpha(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
  static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
  static func isAlphaDigit(_ b: UInt8) -> Bool { isAlpha(b) || isDigit(b) }
  static func isHexDigit(_ b: UInt8) -> Bool {
    isDigit(b) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x66)
  }
  static func isNonASCII(_ b: UInt8) -> Bool { b >= 0x80 }
  static func isWhitespace(_ b: UInt8) -> Bool { b == space || b == tab }

  /// RFC 5322 §3.2.3 `atext`: the characters of a dot-string atom.
  static func isAText(_ b: UInt8) -> Bool {
    if isAlphaDigit(b) { return true }
    switch b {
    case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2F, 0x3D, 0x3F, 0x5E, 0x5F,
      0x60, 0x7B, 0x7C, 0x7D, 0x7E:
      return true
    default:
      return false
    }
  }

  /// RFC 5321 §4.1.2 `qtextSMTP`: printable ASCII except `"` and `\`.
  static func isQText(_ b: UInt8) -> Bool {
    (b >= 32 && b <= 126) && b != quote && b != backslash
  }

  static func upper(_ b: UInt8) -> UInt8 { (b >= 0x61 && b <= 0x7A) ? b - 0x20 : b }
  static func lower(_ b: UInt8) -> UInt8 { (b >= 0x41 && b <= 0x5A) ? b + 0x20 : b }

  static func hexValue(_ b: UInt8) -> UInt8? {
    switch b {
    case 0x30...0x39: return b - 0x30
    case 0x41...0x46: return b - 0x41 + 10
    case 0x61...0x66: return b - 0x61 + 10
    default: return nil
    }
  }

  /// True when `bytes` equals `word` ignoring ASCII case (`word` is given in upper case).
  static func equalsIgnoringCase(_ bytes: some Collection<UInt8>, _ word: StaticString) -> Bool {
    guard bytes.count == word.utf8CodeUnitCount else { return false }
    return word.withUTF8Buffer { w in
      zip(bytes, w).allSatisfy { upper($0) == $1 }
    }
  }

  /// The text of `bytes` when they are valid UTF-8.
  static func string(validating bytes: some Collection<UInt8>) -> String? {
    String(validating: bytes, as: UTF8.self)
  }

  /// The text of `bytes`, with invalid UTF-8 replaced (for texts that are only shown).
  static func lossyString(_ bytes: some Collection<UInt8>) -> String {
    String(decoding: bytes, as: UTF8.self)
  }
}

extension Array where Element == UInt8 {
  /// Appends raw bytes with one copy (`append(contentsOf:)` on a raw buffer goes byte by byte).
  mutating func appendBytes(_ bytes: UnsafeRawBufferPointer) {
    guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
    append(
      contentsOf: UnsafeBufferPointer(
        start: base.assumingMemoryBound(to: UInt8.self), count: bytes.count))
  }
}
