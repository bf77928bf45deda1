/// One parameter of a Content-Type or Content-Disposition field, with RFC 2231 continuations
/// (`name*0`, `name*1*`…) joined and charsets applied.
public struct MIMEParameter: Sendable, Hashable, Codable {
  /// Attribute name, lowercased, without RFC 2231 `*` markers.
  public var name: String
  /// The value as text: RFC 2231 values converted from their charset, others with any RFC 2047
  /// encoded words decoded (a common, non-standard way to send non-ASCII filenames).
  public var value: String
  /// The value as written: continuations concatenated, quotes removed. For an RFC 2231
  /// extended value this is the single-value form `charset'language'%XX…`.
  public var rawValue: String
  /// Whether the value used RFC 2231 extended (charset and percent-encoded) syntax; IMAP then
  /// sends it as `NAME*` with ``rawValue`` so clients can decode it.
  public var isExtended: Bool
  /// Charset named by an RFC 2231 value.
  public var charset: String?
  /// Language named by an RFC 2231 value.
  public var language: String?

  /// Creates a parameter.
  public init(
    name: String, value: String, rawValue: String? = nil, isExtended: Bool = false,
    charset: String? = nil, language: String? = nil
  ) {
    self.name = name
    self.value = value
    self.rawValue = rawValue ?? value
    self.isExtended = isExtended
    self.charset = charset
    self.language = language
  }
}

/// Parses `*(";" parameter)` after a Content-Type or Content-Disposition value (RFC 2045 §5.1,
/// RFC 2231 §3–4).
enum ParameterParser {
  /// More parameters than this in one field are ignored.
  static let maxParameters = 256
  /// Highest RFC 2231 section number accepted.
  static let maxSection = 1_000

  struct Raw {
    var name: [UInt8]
    var value: [UInt8]
  }

  /// Reads `name=value` pairs from `range`. Lenient: a missing ";" is tolerated, and an
  /// unquoted value runs to the next ";" (senders write `name=my file.pdf` and unquoted
  /// boundaries containing "=").
  static func parseRaw(_ buf: UnsafeRawBufferPointer, _ range: Range<Int>) -> [Raw] {
    var lexer = StructuredLexer(buf, range, dialect: .mime)
    var result = [Raw]()
    while result.count < maxParameters {
      let t = lexer.nextSkippingComments()
      guard case .atom(let nameRange) = t else {
        if t == .end { break }
        continue
      }
      let save = lexer.position
      guard lexer.nextSkippingComments() == .special(UInt8(ascii: "=")) else {
        lexer.position = save
        continue
      }
      lexer.skipWhitespace()
      var value = [UInt8]()
      if lexer.position < lexer.end && buf[lexer.position] == ASCII.quote {
        if case .quoted(let q) = lexer.next() { value = StructuredLexer.unescape(buf, q) }
      } else {
        let start = lexer.position
        var p = start
        while p < lexer.end && buf[p] != UInt8(ascii: ";") { p += 1 }
        lexer.position = p
        value = buf.unfolded(start..<p)
      }
      result.append(Raw(name: Array(buf[nameRange]).map(ASCII.lower), value: value))
    }
    return result
  }

  /// Joins RFC 2231 sections and decodes values.
  static func merge(_ raws: [Raw]) -> [MIMEParameter] {
    if !raws.contains(where: { $0.name.contains(UInt8(ascii: "*")) }) {
      // The common case, no RFC 2231 syntax: first occurrence of each name wins.
      var result = [MIMEParameter]()
      result.reserveCapacity(raws.count)
      var seen = Set<[UInt8]>()
      for raw in raws where seen.insert(raw.name).inserted {
        result.append(plainParameter(String(decoding: raw.name, as: UTF8.self), raw.value))
      }
      return result
    }
    struct Group {
      var plain: [UInt8]?
      var extendedSingle: [UInt8]?
      var sections: [Int: (value: [UInt8], extended: Bool)] = [:]
    }
    var order = [[UInt8]]()
    var groups = [[UInt8]: Group]()
    for raw in raws {
      let star = raw.name.firstIndex(of: UInt8(ascii: "*"))
      let base = Array(raw.name[..<(star ?? raw.name.endIndex)])
      guard !base.isEmpty else { continue }
      if groups[base] == nil {
        groups[base] = Group()
        order.append(base)
      }
      guard let star else {
        if groups[base]!.plain == nil { groups[base]!.plain = raw.value }
        continue
      }
      let rest = raw.name[(star + 1)...]
      if rest.isEmpty {
        if groups[base]!.extendedSingle == nil { groups[base]!.extendedSingle = raw.value }
        continue
      }
      let extended = rest.last == UInt8(ascii: "*")
      let digits = extended ? rest.dropLast() : rest
      guard !digits.isEmpty, digits.count <= 4, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
        let n = Int(String(decoding: digits, as: UTF8.self)), n <= maxSection
      else { continue }
      if groups[base]!.sections[n] == nil { groups[base]!.sections[n] = (raw.value, extended) }
    }
    return order.compactMap { base in
      let g = groups[base]!
      let name = String(decoding: base, as: UTF8.self)
      if g.sections[0] != nil {
        var charset: String?
        var language: String?
        var bytes = [UInt8]()
        var anyExtended = false
        var n = 0
        while let s = g.sections[n] {
          var v = s.value[...]
          if s.extended {
            anyExtended = true
            if n == 0 { (charset, language, v) = splitCharset(v) }
            bytes.append(contentsOf: percentDecode(v))
          } else {
            bytes.append(contentsOf: v)
          }
          n += 1
        }
        if anyExtended {
          return extendedParameter(name, bytes, charset, language)
        }
        return plainParameter(name, bytes)
      }
      if let single = g.extendedSingle {
        let (charset, language, v) = splitCharset(single[...])
        return extendedParameter(name, percentDecode(v), charset, language)
      }
      if let plain = g.plain { return plainParameter(name, plain) }
      return nil
    }
  }

  private static func plainParameter(_ name: String, _ bytes: [UInt8]) -> MIMEParameter {
    MIMEParameter(
      name: name, value: EncodedWords.decode(bytes), rawValue: HeaderText.string(bytes))
  }

  private static func extendedParameter(
    _ name: String, _ bytes: [UInt8], _ charset: String?, _ language: String?
  ) -> MIMEParameter {
    let value = Charset.decode(bytes, charset: charset ?? "us-ascii")
    let raw = (charset ?? "") + "'" + (language ?? "") + "'" + percentEncode(bytes)
    return MIMEParameter(
      name: name, value: value, rawValue: raw, isExtended: true, charset: charset,
      language: language)
  }

  /// Splits `charset'language'rest` (RFC 2231 §4). Without two quotes, the whole is the value.
  private static func splitCharset(_ v: ArraySlice<UInt8>) -> (String?, String?, ArraySlice<UInt8>)
  {
    guard let q1 = v.firstIndex(of: UInt8(ascii: "'")),
      let q2 = v[(q1 + 1)...].firstIndex(of: UInt8(ascii: "'"))
    else { return (nil, nil, v) }
    let charset = String(decoding: v[..<q1], as: UTF8.self)
    let language = String(decoding: v[(q1 + 1)..<q2], as: UTF8.self)
    return (charset.isEmpty ? nil : charset, language.isEmpty ? nil : language, v[(q2 + 1)...])
  }

  private static func percentDecode(_ v: ArraySlice<UInt8>) -> [UInt8] {
    var out = [UInt8]()
    out.reserveCapacity(v.count)
    var i = v.startIndex
    while i < v.endIndex {
      if v[i] == UInt8(ascii: "%"), i + 2 < v.endIndex, let hi = ASCII.hexValue(v[i + 1]),
        let lo = ASCII.hexValue(v[i + 2])
      {
        out.append(hi << 4 | lo)
        i += 3
      } else {
        out.append(v[i])
        i += 1
      }
    }
    return out
  }

  /// RFC 2231 §7 attribute-char: ASCII printable except SPACE, `*`, `'`, `%` and tspecials.
  private static func percentEncode(_ bytes: [UInt8]) -> String {
    let hex = Array("0123456789ABCDEF".utf8)
    var out = [UInt8]()
    for b in bytes {
      let special = Array("()<>@,;:\\\"/[]?=*'% ".utf8).contains(b)
      if b > 0x20 && b < 0x7F && !special {
        out.append(b)
      } else {
        out.append(UInt8(ascii: "%"))
        out.append(hex[Int(b >> 4)])
        out.append(hex[Int(b & 15)])
      }
    }
    return String(decoding: out, as: UTF8.self)
  }
}
