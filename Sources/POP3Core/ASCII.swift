/// Byte constants and classes for the grammar and the encoders.
enum ASCII {
  static let cr: UInt8 = 0x0D
  static let lf: UInt8 = 0x0A
  static let space: UInt8 = 0x20
  static let dot: UInt8 = 0x2E
  static let dash: UInt8 = 0x2D
  static let underscore: UInt8 = 0x5F
  static let equals: UInt8 = 0x3D
  static let zero: UInt8 = 0x30
  static let crlf: [UInt8] = [0x0D, 0x0A]

  static func isControl(_ b: UInt8) -> Bool { b < 0x20 || b == 0x7F }
  /// VCHAR or SP.
  static func isPrintable(_ b: UInt8) -> Bool { b >= 0x20 && b < 0x7F }
  static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
  static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
  static func isAlphanumeric(_ b: UInt8) -> Bool { isLetter(b) || isDigit(b) }
  static func isBase64(_ b: UInt8) -> Bool {
    isAlphanumeric(b) || b == 0x2B || b == 0x2F
  }
  static func uppercased(_ b: UInt8) -> UInt8 { b >= 0x61 && b <= 0x7A ? b - 0x20 : b }

  /// The keyword in upper case, or nil when it holds anything but letters.
  static func upperKeyword(_ bytes: some Collection<UInt8>) -> String? {
    guard !bytes.isEmpty, bytes.allSatisfy(isLetter) else { return nil }
    return String(decoding: bytes.map(uppercased), as: UTF8.self)
  }
}

extension Array where Element == UInt8 {
  /// Appends `value` in decimal without going through `String`.
  mutating func appendDecimal(_ value: Int) {
    if value < 0 {
      append(ASCII.dash)
      // Int.min has no positive counterpart; go through the magnitude.
      appendDecimal(magnitude: value.magnitude)
    } else {
      appendDecimal(magnitude: UInt(value))
    }
  }

  private mutating func appendDecimal(magnitude: UInt) {
    var divisor: UInt = 1
    while magnitude / divisor >= 10 { divisor *= 10 }
    var rest = magnitude
    while divisor > 0 {
      append(ASCII.zero + UInt8(rest / divisor))
      rest %= divisor
      divisor /= 10
    }
  }
}
