/// Writes IMAP protocol data (RFC 9051 §4): atoms, NIL, and strings quoted or as literals.
struct IMAPWriter {
  var out: [UInt8] = []

  mutating func raw(_ s: String) { out.append(contentsOf: s.utf8) }

  mutating func raw(_ b: UInt8) { out.append(b) }

  mutating func number(_ n: Int) { out.append(contentsOf: String(n).utf8) }

  mutating func nilValue() { raw("NIL") }

  /// `nstring`: NIL for nil, else a string.
  mutating func nstring(_ s: String?) {
    if let s { string(s) } else { nilValue() }
  }

  /// A string: quoted when every byte may appear in a quoted string (7-bit, no CR or LF),
  /// otherwise a literal `{n}\r\n…` (8-bit text, line breaks). NUL bytes are dropped: no IMAP
  /// string can carry them (CHAR8 excludes %x00).
  mutating func string(_ s: String) {
    var needsLiteral = false
    var hasNUL = false
    for b in s.utf8 {
      if b == 0 {
        hasNUL = true
      } else if b >= 0x80 || b == ASCII.cr || b == ASCII.lf {
        needsLiteral = true
      }
    }
    let bytes = hasNUL ? s.utf8.filter { $0 != 0 } : Array(s.utf8)
    if needsLiteral {
      raw("{\(bytes.count)}\r\n")
      out.append(contentsOf: bytes)
      return
    }
    out.append(ASCII.quote)
    for b in bytes {
      if b == ASCII.quote || b == ASCII.backslash { out.append(ASCII.backslash) }
      out.append(b)
    }
    out.append(ASCII.quote)
  }
}
