/// Lowercase hexadecimal, for test vectors, fingerprints and log identifiers.
public enum Hex {
  private static let digits = Array("0123456789abcdef".utf8)

  /// Lowercase hex of `data`.
  public static func encode(_ data: some Sequence<UInt8>) -> String {
    var out: [UInt8] = []
    for b in data {
      out.append(digits[Int(b >> 4)])
      out.append(digits[Int(b & 15)])
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// Bytes of a hex string (either case); nil on odd length or a non-hex character.
  public static func decode(_ text: some StringProtocol) -> [UInt8]? {
    let chars = Array(text.utf8)
    guard chars.count % 2 == 0 else { return nil }
    func nibble(_ c: UInt8) -> UInt8? {
      switch c {
      case 48...57: c - 48
      case 65...70: c - 55
      case 97...102: c - 87
      default: nil
      }
    }
    var out: [UInt8] = []
    out.reserveCapacity(chars.count / 2)
    var i = 0
    while i < chars.count {
      guard let h = nibble(chars[i]), let l = nibble(chars[i + 1]) else { return nil }
      out.append(h << 4 | l)
      i += 2
    }
    return out
  }
}
