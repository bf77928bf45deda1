/// A Content-Transfer-Encoding (RFC 2045 §6).
public enum TransferEncoding: Sendable, Hashable, Codable {
  case sevenBit
  case eightBit
  case binary
  case base64
  case quotedPrintable
  /// Any other token (x-uuencode…), lowercased; its body is left as is.
  case other(String)

  /// Reads a Content-Transfer-Encoding value; nil or empty means 7bit (RFC 2045 §6.1).
  init(token: String?) {
    guard let token, !token.isEmpty else {
      self = .sevenBit
      return
    }
    switch ASCII.lowercased(token) {
    case "7bit": self = .sevenBit
    case "8bit": self = .eightBit
    case "binary": self = .binary
    case "base64": self = .base64
    case "quoted-printable": self = .quotedPrintable
    case let other: self = .other(other)
    }
  }

  /// The name as IMAP's body-fld-enc writes it (RFC 9051 §9).
  public var imapName: String {
    switch self {
    case .sevenBit: "7BIT"
    case .eightBit: "8BIT"
    case .binary: "BINARY"
    case .base64: "BASE64"
    case .quotedPrintable: "QUOTED-PRINTABLE"
    case .other(let name): ASCII.uppercased(name)
    }
  }

  /// Whether the body is stored as is (7bit, 8bit, binary), so a message/rfc822 body can be
  /// parsed in place (RFC 2046 §5.2.1 allows no other encoding there).
  public var isIdentity: Bool {
    switch self {
    case .sevenBit, .eightBit, .binary: true
    default: false
    }
  }

  /// Decodes a body in this encoding. Never fails: base64 skips characters outside its
  /// alphabet, quoted-printable keeps malformed escapes literally, unknown encodings return the
  /// input.
  public func decode<C: Collection<UInt8>>(_ bytes: C) -> [UInt8] {
    switch self {
    case .base64: TransferDecoding.base64(bytes)
    case .quotedPrintable: TransferDecoding.quotedPrintable(bytes)
    default: Array(bytes)
    }
  }
}

/// Tolerant decoders for the transfer encodings.
enum TransferDecoding {
  private static let base64Table: [UInt8] = {
    var t = [UInt8](repeating: 0xFF, count: 256)
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    for (i, c) in alphabet.enumerated() { t[Int(c)] = UInt8(i) }
    // RFC 4648 §5 URL-safe letters, which some senders use.
    t[Int(UInt8(ascii: "-"))] = 62
    t[Int(UInt8(ascii: "_"))] = 63
    return t
  }()

  /// RFC 2045 §6.8, leniently: characters outside the alphabet are skipped (§6.8 says to
  /// ignore them), and `=` ends a quantum so concatenated encodings still decode.
  static func base64<C: Collection<UInt8>>(_ input: C) -> [UInt8] {
    var out = [UInt8]()
    out.reserveCapacity(input.count / 4 * 3 + 3)
    var acc: UInt32 = 0
    var n = 0
    for c in input {
      if c == UInt8(ascii: "=") {
        flush(&acc, &n, &out)
        continue
      }
      let v = base64Table[Int(c)]
      if v == 0xFF { continue }
      acc = acc << 6 | UInt32(v)
      n += 1
      if n == 4 {
        out.append(UInt8(truncatingIfNeeded: acc >> 16))
        out.append(UInt8(truncatingIfNeeded: acc >> 8))
        out.append(UInt8(truncatingIfNeeded: acc))
        acc = 0
        n = 0
      }
    }
    flush(&acc, &n, &out)
    return out
  }

  private static func flush(_ acc: inout UInt32, _ n: inout Int, _ out: inout [UInt8]) {
    switch n {
    case 2:
      out.append(UInt8(truncatingIfNeeded: acc >> 4))
    case 3:
      out.append(UInt8(truncatingIfNeeded: acc >> 10))
      out.append(UInt8(truncatingIfNeeded: acc >> 2))
    default:
      break
    }
    acc = 0
    n = 0
  }

  /// RFC 2045 §6.7: `=XX` escapes, `=` before a line break is a soft break, and whitespace at
  /// the end of an encoded line is padding to drop. Malformed escapes are kept literally.
  static func quotedPrintable<C: Collection<UInt8>>(_ input: C) -> [UInt8] {
    var work = 0
    return quotedPrintable(input, work: &work)
  }

  /// Decodes and adds the bytes examined to `work`.
  static func quotedPrintable<C: Collection<UInt8>>(_ input: C, work: inout Int) -> [UInt8] {
    let bytes = Array(input)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count)
    var i = 0
    let n = bytes.count
    // Start of a run of spaces/tabs in `out` that must go if a line break follows it.
    var trailingStart = -1
    while i < n {
      let c = bytes[i]
      if c == UInt8(ascii: "=") {
        trailingStart = -1
        // Soft line break: "=" then optional whitespace then CRLF or LF.
        var j = i + 1
        while j < n && ASCII.isWSP(bytes[j]) { j += 1 }
        work += j - i
        if j < n && bytes[j] == ASCII.lf {
          i = j + 1
          continue
        }
        if j + 1 < n && bytes[j] == ASCII.cr && bytes[j + 1] == ASCII.lf {
          i = j + 2
          continue
        }
        if j == n {
          i = n
          continue
        }
        if i + 2 < n, let hi = ASCII.hexValue(bytes[i + 1]),
          let lo = ASCII.hexValue(bytes[i + 2])
        {
          out.append(hi << 4 | lo)
          i += 3
          continue
        }
        out.append(c)
        i += 1
        continue
      }
      work += 1
      if c == ASCII.cr || c == ASCII.lf {
        if trailingStart >= 0 {
          work += out.count - trailingStart
          out.removeSubrange(trailingStart...)
          trailingStart = -1
        }
        out.append(c)
        i += 1
        continue
      }
      if ASCII.isWSP(c) {
        if trailingStart < 0 { trailingStart = out.count }
      } else {
        trailingStart = -1
      }
      out.append(c)
      i += 1
    }
    return out
  }
}
