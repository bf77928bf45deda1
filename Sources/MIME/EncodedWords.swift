/// RFC 2047 encoded words: `=?charset?B|Q?text?=` in headers.
public enum EncodedWords {
  /// Decodes every encoded word in a header value and converts the rest from raw bytes
  /// (UTF-8, else ISO-8859-1).
  ///
  /// Lenient where mail is commonly broken: words inside quoted strings and words glued to
  /// other text are decoded too, and adjacent words in the same charset are joined before
  /// conversion so a multibyte character split across two words survives. Whitespace between
  /// two encoded words is dropped (RFC 2047 §6.2). The scan is linear: a candidate word ends
  /// at its third `?` or at whitespace.
  public static func decode<C: Collection<UInt8>>(_ value: C) -> String {
    var work = 0
    return decode(value, work: &work)
  }

  /// Decodes and adds the bytes examined to `work`.
  static func decode<C: Collection<UInt8>>(_ value: C, work: inout Int) -> String {
    let bytes = Array(value)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count)
    var pending: (charset: String, bytes: [UInt8])?
    var plainStart = 0
    var i = 0
    let n = bytes.count

    func flushPending() {
      if let p = pending {
        out.append(contentsOf: Charset.decode(p.bytes, charset: p.charset).utf8)
        pending = nil
      }
    }

    while i + 1 < n {
      work += 1
      guard bytes[i] == UInt8(ascii: "="), bytes[i + 1] == UInt8(ascii: "?") else {
        i += 1
        continue
      }
      guard let word = parseWord(bytes, at: i, work: &work) else {
        i += 2
        continue
      }
      let gap = bytes[plainStart..<i]
      let gapIsSpace = gap.allSatisfy(ASCII.isWhitespace)
      if let p = pending, gapIsSpace, ASCII.equalsIgnoringCase(p.charset, word.charset) {
        pending!.bytes.append(contentsOf: word.payload)
      } else {
        let hadPending = pending != nil
        flushPending()
        if !(hadPending && gapIsSpace) {
          out.append(contentsOf: HeaderText.string(gap).utf8)
        }
        pending = (word.charset, word.payload)
      }
      i = word.end
      plainStart = i
    }
    flushPending()
    if plainStart < n { out.append(contentsOf: HeaderText.string(bytes[plainStart...]).utf8) }
    return String(decoding: out, as: UTF8.self)
  }

  private struct Word {
    var charset: String
    var payload: [UInt8]
    var end: Int
  }

  /// Parses `=?charset?enc?text?=` at `start`, or returns nil.
  private static func parseWord(_ b: [UInt8], at start: Int, work: inout Int) -> Word? {
    let n = b.count
    var p = start + 2
    defer { work += p - start }
    let charsetStart = p
    while p < n && b[p] != UInt8(ascii: "?") {
      if ASCII.isWhitespace(b[p]) { return nil }
      p += 1
    }
    guard p < n, p > charsetStart, p + 2 < n, b[p + 2] == UInt8(ascii: "?") else { return nil }
    let charset = String(decoding: b[charsetStart..<p], as: UTF8.self)
    let enc = ASCII.lower(b[p + 1])
    guard enc == UInt8(ascii: "b") || enc == UInt8(ascii: "q") else { return nil }
    p += 3
    let textStart = p
    while p < n && b[p] != UInt8(ascii: "?") {
      if ASCII.isWhitespace(b[p]) { return nil }
      p += 1
    }
    guard p + 1 < n, b[p + 1] == UInt8(ascii: "=") else { return nil }
    let text = b[textStart..<p]
    let payload = enc == UInt8(ascii: "b") ? TransferDecoding.base64(text) : decodeQ(text)
    return Word(charset: charset, payload: payload, end: p + 2)
  }

  /// RFC 2047 §4.2: "_" is a space, `=XX` an octet.
  private static func decodeQ(_ text: ArraySlice<UInt8>) -> [UInt8] {
    var out = [UInt8]()
    out.reserveCapacity(text.count)
    var i = text.startIndex
    while i < text.endIndex {
      let c = text[i]
      if c == UInt8(ascii: "_") {
        out.append(0x20)
      } else if c == UInt8(ascii: "="), i + 2 < text.endIndex,
        let hi = ASCII.hexValue(text[i + 1]), let lo = ASCII.hexValue(text[i + 2])
      {
        out.append(hi << 4 | lo)
        i += 3
        continue
      } else {
        out.append(c)
      }
      i += 1
    }
    return out
  }

  /// Encodes `text` for an unstructured header (Subject, Comments): ASCII words stay as they
  /// are; the stretch from the first to the last word needing it becomes UTF-8 "B" encoded
  /// words of at most 75 characters (RFC 2047 §2), split between characters.
  public static func encode(_ text: String) -> String {
    let words = text.split(separator: " ", omittingEmptySubsequences: false)
    func needsEncoding(_ w: Substring) -> Bool {
      w.utf8.contains { $0 >= 0x80 || $0 < 0x20 || $0 == 0x7F }
        || (w.utf8.count > 2 && w.hasPrefix("=?") && w.hasSuffix("?="))
    }
    guard let first = words.firstIndex(where: needsEncoding),
      let last = words.lastIndex(where: needsEncoding)
    else { return text }
    var parts = [String]()
    parts.append(contentsOf: words[..<first].map(String.init))
    let stretch = words[first...last].joined(separator: " ")
    parts.append(contentsOf: encodedWords(stretch))
    parts.append(contentsOf: words[(last + 1)...].map(String.init))
    return parts.joined(separator: " ")
  }

  private static func encodedWords(_ s: String) -> [String] {
    // 75 - "=?UTF-8?B?".count - "?=".count = 63 base64 characters = 45 octets, rounded down to
    // whole characters so no word splits a UTF-8 sequence.
    let maxOctets = 45
    var result = [String]()
    var chunk = [UInt8]()
    for ch in s.unicodeScalars {
      let utf8 = Array(String(ch).utf8)
      if chunk.count + utf8.count > maxOctets {
        result.append("=?UTF-8?B?" + base64Encode(chunk) + "?=")
        chunk.removeAll(keepingCapacity: true)
      }
      chunk.append(contentsOf: utf8)
    }
    if !chunk.isEmpty || result.isEmpty { result.append("=?UTF-8?B?" + base64Encode(chunk) + "?=") }
    return result
  }

  static func base64Encode(_ bytes: [UInt8]) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var out = [UInt8]()
    out.reserveCapacity((bytes.count + 2) / 3 * 4)
    var i = 0
    while i < bytes.count {
      let b0 = UInt32(bytes[i])
      let b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
      let b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
      let v = b0 << 16 | b1 << 8 | b2
      out.append(alphabet[Int(v >> 18 & 63)])
      out.append(alphabet[Int(v >> 12 & 63)])
      out.append(i + 1 < bytes.count ? alphabet[Int(v >> 6 & 63)] : UInt8(ascii: "="))
      out.append(i + 2 < bytes.count ? alphabet[Int(v & 63)] : UInt8(ascii: "="))
      i += 3
    }
    return String(decoding: out, as: UTF8.self)
  }
}
