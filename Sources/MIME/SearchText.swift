/// Decoded text of a message for IMAP SEARCH (RFC 9051 §6.4.4): header fields and text parts
/// with encoded words, transfer encodings and charsets undone, HTML reduced to text.
public struct SearchText: Sendable, Hashable, Codable {
  /// One `Name: value` line per header field of the message, values decoded.
  public var header: String
  /// The text parts (and the headers of encapsulated messages), one after another.
  public var body: String

  /// Creates search text.
  public init(header: String, body: String) {
    self.header = header
    self.body = body
  }

  /// Whether `needle` occurs in `haystack`, ignoring case (SEARCH is case-insensitive).
  public static func contains(_ haystack: String, _ needle: String) -> Bool {
    if needle.isEmpty { return true }
    return haystack.lowercased().contains(needle.lowercased())
  }
}

extension MessageStructure {
  /// Text for SEARCH. At most `maxBodyBytes` of encoded body bytes are decoded, so a huge
  /// attachment-like text part costs bounded work.
  public func searchText(
    in source: some ByteSource, maxBodyBytes: Int = 16 * 1024 * 1024,
    limits: MIMELimits = MIMELimits()
  ) -> SearchText {
    source.withBytes { buf in
      let header = Self.headerText(buf, root.headerRange, limits)
      var body = [String]()
      var budget = maxBodyBytes
      Self.collect(root, buf, &body, &budget, limits, isRoot: true)
      return SearchText(header: header, body: body.joined(separator: "\n"))
    }
  }

  private static func headerText(
    _ buf: UnsafeRawBufferPointer, _ range: Range<Int>, _ limits: MIMELimits
  ) -> String {
    let header = Header.parse(buf, range.clamped(to: 0..<buf.count), limits: limits)
    var lines = [String]()
    for f in header.fields {
      lines.append(f.name + ": " + EncodedWords.decode(buf.unfolded(f.valueRange)))
    }
    return lines.joined(separator: "\n")
  }

  private static func collect(
    _ part: MIMEPart, _ buf: UnsafeRawBufferPointer, _ out: inout [String], _ budget: inout Int,
    _ limits: MIMELimits, isRoot: Bool
  ) {
    switch part.content {
    case .multipart(let children):
      for c in children { collect(c, buf, &out, &budget, limits, isRoot: false) }
    case .message(let inner):
      out.append(headerText(buf, inner.headerRange, limits))
      collect(inner, buf, &out, &budget, limits, isRoot: false)
    case .single:
      guard part.contentType.isText, budget > 0 else { return }
      let range = part.bodyRange.clamped(to: 0..<buf.count)
      let take = range.lowerBound..<min(range.upperBound, range.lowerBound + budget)
      budget -= take.count
      let decoded = part.transferEncoding.decode(buf[take])
      let text = Charset.decode(decoded, charset: part.contentType.charset ?? "us-ascii")
      out.append(part.contentType.subtype == "html" ? HTMLText.plainText(text) : text)
    }
  }
}
