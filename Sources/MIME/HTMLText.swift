/// Reduces HTML to the text a reader sees, for search: tags, comments, scripts and styles are
/// dropped, common entities decoded, whitespace collapsed. One forward pass; an unterminated
/// tag or comment swallows the rest, as a browser would.
enum HTMLText {
  static func plainText(_ html: String) -> String {
    var work = 0
    return plainText(html, work: &work)
  }

  /// Converts and adds the bytes examined to `work`.
  static func plainText(_ html: String, work: inout Int) -> String {
    let b = Array(html.utf8)
    var examined = 0
    defer { work += examined + b.count }
    var out = [UInt8]()
    out.reserveCapacity(b.count / 2)
    var i = 0
    let n = b.count
    var lastSpace = true
    func space() {
      if !lastSpace {
        out.append(ASCII.space)
        lastSpace = true
      }
    }
    while i < n {
      let c = b[i]
      if c == UInt8(ascii: "<"), i + 1 < n, startsTag(b[i + 1]) {
        if starts(b, i, "<!--") {
          i = find(b, i + 4, "-->", &examined).map { $0 + 3 } ?? n
          continue
        }
        let name = tagName(b, i + 1)
        let isClosing = i + 1 < n && b[i + 1] == UInt8(ascii: "/")
        var close = i + 1
        while close < n && b[close] != UInt8(ascii: ">") { close += 1 }
        examined += close - i
        i = close + 1
        if !isClosing && (name == "script" || name == "style") {
          i =
            find(b, i, "</" + name, &examined).map { p in
              var q = p
              while q < n && b[q] != UInt8(ascii: ">") { q += 1 }
              return q + 1
            } ?? n
        }
        if !inlineTags.contains(name) { space() }
        continue
      }
      if c == UInt8(ascii: "&"), let (decoded, next) = entity(b, i) {
        out.append(contentsOf: decoded.utf8)
        lastSpace = false
        i = next
        continue
      }
      if ASCII.isWhitespace(c) {
        space()
      } else {
        out.append(c)
        lastSpace = false
      }
      i += 1
    }
    if out.last == ASCII.space { out.removeLast() }
    return String(decoding: out, as: UTF8.self)
  }

  /// "<" starts markup only before a letter, "/", "!" or "?"; otherwise it is text ("a < b").
  private static func startsTag(_ c: UInt8) -> Bool {
    let l = ASCII.lower(c)
    return (l >= 0x61 && l <= 0x7A) || c == UInt8(ascii: "/") || c == UInt8(ascii: "!")
      || c == UInt8(ascii: "?")
  }

  private static func starts(_ b: [UInt8], _ i: Int, _ s: String) -> Bool {
    let u = Array(s.utf8)
    guard i + u.count <= b.count else { return false }
    for k in 0..<u.count where ASCII.lower(b[i + k]) != u[k] { return false }
    return true
  }

  /// Offset of the next case-insensitive occurrence of `s` at or after `from`.
  private static func find(_ b: [UInt8], _ from: Int, _ s: String, _ examined: inout Int) -> Int? {
    let u = Array(s.utf8)
    guard let first = u.first, b.count >= u.count else { return nil }
    var i = from
    while i + u.count <= b.count {
      examined += 1
      if ASCII.lower(b[i]) == first && starts(b, i, s) { return i }
      i += 1
    }
    return nil
  }

  /// Tags that do not break words: `<b>ship</b>ped` reads "shipped".
  private static let inlineTags: Set<String> = [
    "a", "b", "i", "u", "s", "em", "strong", "span", "font", "small", "big", "sub", "sup",
    "code", "tt", "abbr", "mark", "strike", "q", "cite", "kbd", "var", "wbr",
  ]

  private static func tagName(_ b: [UInt8], _ start: Int) -> String {
    var i = start
    if i < b.count && b[i] == UInt8(ascii: "/") { i += 1 }
    var name = [UInt8]()
    while i < b.count && name.count < 16 {
      let c = ASCII.lower(b[i])
      guard (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) else { break }
      name.append(c)
      i += 1
    }
    return String(decoding: name, as: UTF8.self)
  }

  private static let named: [String: String] = [
    "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "copy": "©",
    "reg": "®", "euro": "€", "hellip": "…", "mdash": "—", "ndash": "–", "laquo": "«",
    "raquo": "»", "eacute": "é", "egrave": "è", "agrave": "à", "uuml": "ü", "ouml": "ö",
    "auml": "ä", "szlig": "ß", "ccedil": "ç",
  ]

  /// `&name;`, `&#N;` or `&#xH;` at `i`: the text and the offset after it.
  private static func entity(_ b: [UInt8], _ i: Int) -> (String, Int)? {
    var j = i + 1
    var body = [UInt8]()
    while j < b.count && j - i <= 10 && b[j] != UInt8(ascii: ";") {
      body.append(b[j])
      j += 1
    }
    guard j < b.count, b[j] == UInt8(ascii: ";"), !body.isEmpty else { return nil }
    let text = String(decoding: body, as: UTF8.self)
    if body[0] == UInt8(ascii: "#") {
      let digits = body.dropFirst()
      let isHex = digits.first.map { $0 | 0x20 == UInt8(ascii: "x") } ?? false
      let value =
        isHex
        ? UInt32(String(decoding: digits.dropFirst(), as: UTF8.self), radix: 16)
        : UInt32(String(decoding: digits, as: UTF8.self))
      guard let value, let scalar = Unicode.Scalar(value), value != 0 else { return nil }
      return (String(Character(scalar)), j + 1)
    }
    guard let s = named[ASCII.lowercased(text)] else { return nil }
    return (s, j + 1)
  }
}
