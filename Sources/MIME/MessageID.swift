/// Message-ID, In-Reply-To and References values (RFC 5322 §3.6.4).
public enum MessageID {
  /// The identifiers in a msg-id list, without angle brackets, in order.
  ///
  /// msg-id = [CFWS] "<" id-left "@" id-right ">" [CFWS]. Lenient: comments and phrases
  /// between ids (obs-in-reply-to) are skipped, whitespace inside brackets is dropped, and a
  /// value with no brackets at all yields its `@`-containing words. At most `limit` ids.
  public static func parseList<C: Collection<UInt8>>(_ value: C, limit: Int = 10_000) -> [String] {
    Array(value).withUnsafeBytes { buf in
      var ids = [String]()
      var lexer = StructuredLexer(buf, 0..<buf.count, dialect: .rfc5322)
      var current: [UInt8]?
      while ids.count < limit {
        let t = lexer.next()
        switch t {
        case .end:
          if let c = current, !c.isEmpty { ids.append(HeaderText.string(c)) }
          if !ids.isEmpty { return ids }
          // No brackets at all: keep the words that look like ids.
          let words = buf.split(whereSeparator: { ASCII.isWhitespace($0) || $0 == 0x2C })
          return words.filter { $0.contains(UInt8(ascii: "@")) }.prefix(limit).map {
            HeaderText.string($0)
          }
        case .special(UInt8(ascii: "<")):
          current = []
        case .special(UInt8(ascii: ">")):
          if let c = current, !c.isEmpty { ids.append(HeaderText.string(c)) }
          current = nil
        case .special(let c):
          current?.append(c)
        case .atom(let r), .domainLiteral(let r):
          current?.append(contentsOf: buf[r])
        case .quoted(let r):
          current?.append(contentsOf: StructuredLexer.unescape(buf, r))
        case .comment:
          break
        }
      }
      return ids
    }
  }
}
