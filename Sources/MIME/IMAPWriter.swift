/// Writes IMAP protocol data (RFC 9051 §4): atoms, NIL, and strings quoted or as literals.
struct IMAPWriter {
  var out: [UInt8]

  init() {
    out = []
    out.reserveCapacity(512)
  }

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
  mutating func string(_ s: String, uppercased: Bool = false) {
    var s = s
    s.withUTF8 { write($0, uppercased: uppercased) }
  }

  private mutating func write(_ u: UnsafeBufferPointer<UInt8>, uppercased: Bool) {
    var needsLiteral = false
    var needsCare = uppercased  // bytes to escape, drop or change
    var nuls = 0
    for b in u {
      if b == 0 {
        nuls += 1
        needsCare = true
      } else if b >= 0x80 || b == ASCII.cr || b == ASCII.lf {
        needsLiteral = true
      } else if b == ASCII.quote || b == ASCII.backslash {
        needsCare = true
      }
    }
    if needsLiteral {
      raw("{\(u.count - nuls)}\r\n")
      if nuls == 0 && !uppercased {
        out.append(contentsOf: u)
      } else {
        for b in u where b != 0 { out.append(uppercased ? ASCII.upper(b) : b) }
      }
      return
    }
    out.append(ASCII.quote)
    if needsCare {
      for b in u where b != 0 {
        if b == ASCII.quote || b == ASCII.backslash { out.append(ASCII.backslash) }
        out.append(uppercased ? ASCII.upper(b) : b)
      }
    } else {
      out.append(contentsOf: u)
    }
    out.append(ASCII.quote)
  }
}
