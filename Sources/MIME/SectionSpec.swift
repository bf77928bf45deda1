/// An IMAP section specifier (RFC 9051 §6.4.5): which part of a message `BODY[...]` names.
///
///     section-spec    = section-msgtext / (section-part ["." section-text])
///     section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT"
///     section-part    = nz-number *("." nz-number)
///     section-text    = section-msgtext / "MIME"
public struct SectionSpec: Sendable, Hashable, Codable {
  /// What to take from the addressed part.
  public enum Text: Sendable, Hashable, Codable {
    /// The header of the (encapsulated) message.
    case header
    /// Only the named header fields (compared case-insensitively), plus the blank line.
    case headerFields([String])
    /// All header fields except the named ones, plus the blank line.
    case headerFieldsNot([String])
    /// The body of the (encapsulated) message.
    case text
    /// The MIME header of a part.
    case mime
  }

  /// Part numbers, outermost first; empty for the whole message.
  public var part: [Int]
  /// What to take; nil for the whole part (or the whole message when ``part`` is empty).
  public var text: Text?

  /// Creates a section specifier.
  public init(part: [Int] = [], text: Text? = nil) {
    self.part = part
    self.text = text
  }

  /// Parses the text between the brackets of `BODY[...]`, e.g. `1.2.HEADER.FIELDS (From To)`.
  /// Keywords are case-insensitive; field names may be atoms or quoted strings. Nil when the
  /// text does not match the grammar (MIME without a part number included).
  public init?(_ string: String) {
    var bytes = Array(string.utf8)[...]
    var part = [Int]()
    while let first = bytes.first, first >= 0x31 && first <= 0x39 {
      var n = 0
      while let d = bytes.first, d >= 0x30 && d <= 0x39 {
        guard n < 100_000_000 else { return nil }
        n = n * 10 + Int(d - 0x30)
        bytes.removeFirst()
      }
      part.append(n)
      guard let dot = bytes.first else { break }
      guard dot == UInt8(ascii: ".") else { return nil }
      bytes.removeFirst()
      if bytes.isEmpty { return nil }
    }
    if bytes.isEmpty {
      self.init(part: part)
      return
    }
    let upper = bytes.map(ASCII.upper)
    func keyword(_ k: String) -> Bool { upper.starts(with: Array(k.utf8)) }
    let text: Text
    if keyword("HEADER.FIELDS.NOT ") {
      guard let names = SectionSpec.parseFieldList(bytes.dropFirst(18)) else { return nil }
      text = .headerFieldsNot(names)
    } else if keyword("HEADER.FIELDS ") {
      guard let names = SectionSpec.parseFieldList(bytes.dropFirst(14)) else { return nil }
      text = .headerFields(names)
    } else if upper.elementsEqual("HEADER".utf8) {
      text = .header
    } else if upper.elementsEqual("TEXT".utf8) {
      text = .text
    } else if upper.elementsEqual("MIME".utf8), !part.isEmpty {
      text = .mime
    } else {
      return nil
    }
    self.init(part: part, text: text)
  }

  // header-list = "(" header-fld-name *(SP header-fld-name) ")"
  private static func parseFieldList(_ b: ArraySlice<UInt8>) -> [String]? {
    guard b.first == UInt8(ascii: "("), b.last == UInt8(ascii: ")") else { return nil }
    var names = [String]()
    var i = b.startIndex + 1
    let end = b.endIndex - 1
    while i < end {
      if b[i] == ASCII.space {
        i += 1
        continue
      }
      var name = [UInt8]()
      if b[i] == ASCII.quote {
        i += 1
        while i < end && b[i] != ASCII.quote {
          if b[i] == ASCII.backslash && i + 1 < end { i += 1 }
          name.append(b[i])
          i += 1
        }
        guard i < end else { return nil }
        i += 1
      } else {
        while i < end && b[i] != ASCII.space {
          guard b[i] > 0x20, b[i] < 0x7F, b[i] != UInt8(ascii: "("), b[i] != ASCII.quote else {
            return nil
          }
          name.append(b[i])
          i += 1
        }
      }
      names.append(String(decoding: name, as: UTF8.self))
    }
    return names.isEmpty ? nil : names
  }
}

/// A partial fetch `<start.length>` (RFC 9051 §6.4.5).
public struct SectionPartial: Sendable, Hashable, Codable {
  /// First octet to send, counted from 0.
  public var start: Int
  /// Most octets to send.
  public var length: Int

  /// Creates a partial range; negative values are treated as zero.
  public init(start: Int, length: Int) {
    self.start = max(0, start)
    self.length = max(0, length)
  }

  /// The part of `range` this partial selects: empty when `start` is past the end.
  func apply(to range: Range<Int>) -> Range<Int> {
    let lo = range.lowerBound + min(start, range.count)
    let hi = lo + min(length, range.upperBound - lo)
    return lo..<hi
  }
}

/// The bytes a section resolves to.
public enum SectionContent: Sendable, Hashable {
  /// A contiguous range of the message: send it straight from the source.
  case range(Range<Int>)
  /// Bytes assembled for the answer (`HEADER.FIELDS`).
  case bytes([UInt8])

  /// Number of bytes to send.
  public var count: Int {
    switch self {
    case .range(let r): r.count
    case .bytes(let b): b.count
    }
  }

  /// The bytes, copied out of `source` for a range.
  public func bytes(from source: some ByteSource) -> [UInt8] {
    switch self {
    case .range(let r): source.bytes(in: r)
    case .bytes(let b): b
    }
  }
}
