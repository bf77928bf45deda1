/// Tokens of a structured header value (RFC 5322 §3.2, RFC 2045 §5.1).
enum StructuredToken: Equatable {
  /// A run of atom (or MIME token) characters; 8-bit bytes count as atom text (RFC 6532).
  case atom(Range<Int>)
  /// A quoted string; the range excludes the quotes and still holds any backslash escapes.
  case quoted(Range<Int>)
  /// A comment; the range excludes the outer parentheses.
  case comment(Range<Int>)
  /// A domain literal, brackets included.
  case domainLiteral(Range<Int>)
  /// One special character.
  case special(UInt8)
  case end
}

/// Splits a structured header value into tokens. Unterminated quoted strings, comments and
/// domain literals run to the end of the value, so every call consumes input and the whole
/// value is read once.
struct StructuredLexer {
  enum Dialect {
    /// RFC 5322 specials: ( ) < > [ ] : ; @ \ , . "
    case rfc5322
    /// RFC 2045 tspecials: ( ) < > @ , ; : \ " / [ ] ? =
    case mime
  }

  let buf: UnsafeRawBufferPointer
  var position: Int
  let end: Int
  /// Bytes consumed over all calls, re-reads after a caller backs up included: the work done.
  var consumed = 0
  private let specials: (UInt64, UInt64)

  init(_ buf: UnsafeRawBufferPointer, _ range: Range<Int>, dialect: Dialect) {
    self.buf = buf
    self.position = range.lowerBound
    self.end = range.upperBound
    specials = dialect == .rfc5322 ? Self.rfc5322Specials : Self.mimeSpecials
  }

  private static let rfc5322Specials = bitmap("()<>[]:;@\\,.\"")
  private static let mimeSpecials = bitmap("()<>@,;:\\\"/[]?=")

  private static func bitmap(_ chars: StaticString) -> (UInt64, UInt64) {
    var lo: UInt64 = 0
    var hi: UInt64 = 0
    for i in 0..<chars.utf8CodeUnitCount {
      let c = chars.utf8Start[i]
      if c < 64 { lo |= 1 << UInt64(c) } else { hi |= 1 << UInt64(c - 64) }
    }
    return (lo, hi)
  }

  @inline(__always) private func isSpecial(_ b: UInt8) -> Bool {
    if b < 64 { return specials.0 & (1 << UInt64(b)) != 0 }
    if b < 128 { return specials.1 & (1 << UInt64(b - 64)) != 0 }
    return false
  }

  /// Skips whitespace (folding included) and control characters, which no token may contain
  /// (RFC 5322 §3.2.3, RFC 2045 §5.1); treating them as separators keeps a NUL from hiding
  /// inside a media type.
  mutating func skipWhitespace() {
    while position < end && Self.isSeparator(buf[position]) { position += 1 }
  }

  @inline(__always) static func isSeparator(_ b: UInt8) -> Bool {
    b <= 0x20 || b == 0x7F
  }

  /// The next token, or `.end`.
  mutating func next() -> StructuredToken {
    let start = position
    defer { consumed += position - start }
    skipWhitespace()
    guard position < end else { return .end }
    let b = buf[position]
    switch b {
    case ASCII.quote:
      return .quoted(scanQuoted())
    case 0x28:  // "("
      return .comment(scanComment())
    case 0x5B:  // "["
      let start = position
      position += 1
      while position < end {
        let c = buf[position]
        position += 1
        if c == 0x5D { break }
        if c == ASCII.backslash && position < end { position += 1 }
      }
      return .domainLiteral(start..<position)
    default:
      if isSpecial(b) {
        position += 1
        return .special(b)
      }
      let start = position
      while position < end {
        let c = buf[position]
        if Self.isSeparator(c) || isSpecial(c) { break }
        position += 1
      }
      return .atom(start..<position)
    }
  }

  /// The next token that is not a comment.
  mutating func nextSkippingComments() -> StructuredToken {
    while true {
      let t = next()
      if case .comment = t { continue }
      return t
    }
  }

  private mutating func scanQuoted() -> Range<Int> {
    position += 1
    let start = position
    while position < end {
      let c = buf[position]
      if c == ASCII.quote {
        let r = start..<position
        position += 1
        return r
      }
      position += c == ASCII.backslash ? 2 : 1
    }
    position = end
    return start..<end
  }

  private mutating func scanComment() -> Range<Int> {
    position += 1
    let start = position
    var depth = 1
    while position < end {
      let c = buf[position]
      if c == ASCII.backslash {
        position += 2
        continue
      }
      if c == 0x28 { depth += 1 }
      if c == 0x29 {
        depth -= 1
        if depth == 0 {
          let r = start..<position
          position += 1
          return r
        }
      }
      position += 1
    }
    position = end
    return start..<end
  }

  /// The contents of a quoted string or comment with backslash escapes and line breaks removed.
  static func unescape(_ buf: UnsafeRawBufferPointer, _ range: Range<Int>) -> [UInt8] {
    var out = [UInt8]()
    out.reserveCapacity(range.count)
    var i = range.lowerBound
    let end = min(range.upperBound, buf.count)
    while i < end {
      var c = buf[i]
      if c == ASCII.backslash && i + 1 < end {
        i += 1
        c = buf[i]
      } else if c == ASCII.cr || c == ASCII.lf {
        i += 1
        continue
      }
      out.append(c)
      i += 1
    }
    return out
  }
}
