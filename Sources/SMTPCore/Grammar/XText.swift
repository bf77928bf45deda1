/// xtext, the encoding of DSN and AUTH= parameter values (RFC 3461 §4):
/// `xtext = *( xchar / hexchar )`, `xchar` = `!`..`~` except `+` and `=`,
/// `hexchar = "+" 2(%x30-39 / %x41-46)`.
enum XText {
  /// The decoded text, nil when `value` is not xtext or does not decode to UTF-8.
  static func decode(_ value: some Collection<UInt8>) -> String? {
    var out: [UInt8] = []
    var it = value.makeIterator()
    while let b = it.next() {
      if b == ASCII.plus {
        guard let h = it.next(), let l = it.next(), isUpperHex(h), isUpperHex(l) else { return nil }
        out.append(ASCII.hexValue(h)! << 4 | ASCII.hexValue(l)!)
      } else if b >= 33 && b <= 126 && b != ASCII.equals {
        out.append(b)
      } else {
        return nil
      }
    }
    return ASCII.string(validating: out)
  }

  /// `text` as xtext: `+`, `=`, controls, space and non-ASCII bytes as `+XX`.
  static func encode(_ text: String) -> String {
    var out = ""
    for b in text.utf8 {
      if b >= 33 && b <= 126 && b != ASCII.plus && b != ASCII.equals {
        out.unicodeScalars.append(Unicode.Scalar(b))
      } else {
        let hex = String(b, radix: 16, uppercase: true)
        out += "+" + (hex.count == 1 ? "0" + hex : hex)
      }
    }
    return out
  }

  private static func isUpperHex(_ b: UInt8) -> Bool {
    ASCII.isDigit(b) || (b >= 0x41 && b <= 0x46)
  }
}
