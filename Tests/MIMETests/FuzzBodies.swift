import Foundation

// Shared by the test target (which replays the seed corpus) and the libFuzzer harnesses in
// Tests/Fuzz/MIME, which compile this file together with the MIME sources into one module; there
// `MIME` is not a separate module, hence the conditional import.
#if canImport(MIME)
  import MIME
#endif

/// One function per fuzzed entry point. Each runs the input through the public API and checks
/// invariants; it returns the violations found (the harness traps on any, the seed-replay test
/// expects none).
enum FuzzBodies {
  /// The whole-message path: structure, IMAP views, sections, search text, header fields.
  static func message(_ data: [UInt8]) -> [String] {
    var problems = [String]()
    var limits = MIMELimits()
    limits.maxParts = 500
    let structure = MessageStructure.parse(data, limits: limits)
    if structure.size != data.count { problems.append("size \(structure.size) != \(data.count)") }
    checkPart(structure.root, within: 0..<data.count, &problems)
    if let e = IMAPGrammarCheck.envelope(structure.imapEnvelope) {
      problems.append("ENVELOPE: \(e)")
    }
    if let e = IMAPGrammarCheck.body(structure.imapBodyStructure) {
      problems.append("BODYSTRUCTURE: \(e)")
    }
    if let e = IMAPGrammarCheck.body(structure.imapBody) { problems.append("BODY: \(e)") }
    if data.count < 4096 {
      do {
        let encoded = try JSONEncoder().encode(structure)
        let decoded = try JSONDecoder().decode(MessageStructure.self, from: encoded)
        if decoded != structure { problems.append("Codable round trip changed the structure") }
      } catch {
        problems.append("Codable: \(error)")
      }
    }
    var paths = [[Int]]()
    collectPaths(structure.root, prefix: [], isRoot: true, &paths)
    let specs: [SectionSpec.Text?] = [
      nil, .header, .text, .mime, .headerFields(["From", "content-type"]),
      .headerFieldsNot(["Subject"]),
    ]
    for path in paths.prefix(50) {
      for text in specs {
        let spec = SectionSpec(part: path, text: text)
        guard
          let c = structure.section(spec, partial: SectionPartial(start: 3, length: 7), in: data)
        else { continue }
        if case .range(let r) = c, r.lowerBound < 0 || r.upperBound > data.count {
          problems.append("section \(path) \(String(describing: text)) out of bounds: \(r)")
        }
        if c.count > 7 { problems.append("partial longer than asked") }
      }
    }
    _ = structure.searchText(in: data, maxBodyBytes: 64 * 1024)
    let header = Header.parse(data)
    var last = 0
    for f in header.fields {
      if f.range.lowerBound < last || f.range.upperBound > header.range.upperBound
        || !f.range.contains(f.valueRange.lowerBound) && !f.valueRange.isEmpty
      {
        problems.append("header field \(f.name) range \(f.range) out of order")
      }
      last = f.range.upperBound
    }
    return problems
  }

  /// Structured header values: addresses, dates, content types, message ids, encoded words.
  static func headerValues(_ data: [UInt8]) -> [String] {
    var problems = [String]()
    let list = Address.parseList(data)
    let envelope = Envelope(from: list, to: list.isEmpty ? nil : list)
    if let e = IMAPGrammarCheck.envelope(envelope.imapBytes) {
      problems.append("addresses give a bad ENVELOPE: \(e)")
    }
    if let d = MessageDate.parse(data) {
      if !(1...12).contains(d.month) || !(1...31).contains(d.day) {
        problems.append("date out of range: \(d)")
      }
      _ = d.date
    }
    _ = ContentType.parse(data)?.parameters.map(\.value)
    _ = ContentDisposition.parse(data)?.filename
    _ = MessageID.parseList(data)
    _ = EncodedWords.decode(data)
    return problems
  }

  /// Decoders and encoders: transfer encodings, charsets, RFC 2047 encoding, header folding.
  static func decoders(_ data: [UInt8]) -> [String] {
    var problems = [String]()
    _ = TransferEncoding.base64.decode(data)
    _ = TransferEncoding.quotedPrintable.decode(data)
    let labels = [
      "utf-8", "iso-8859-1", "iso-8859-2", "windows-1251", "koi8-r", "gb2312", "gbk", "gb18030",
      "shift_jis", "euc-jp", "iso-2022-jp", "big5", "euc-kr", "utf-16", "utf-7", "no-such",
    ]
    let label = labels[Int(data.first ?? 0) % labels.count]
    let text = Charset.decode(data.dropFirst(), charset: label)
    let encoded = EncodedWords.encode(text)
    if encoded.utf8.contains(where: { $0 >= 0x80 }) {
      problems.append("encoded words still hold 8-bit bytes")
    }
    let roundTrip = EncodedWords.decode(Array(encoded.utf8))
    if roundTrip != text && !text.contains("=?")
      && !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
    {
      problems.append(
        "RFC 2047 round trip changed \(text.debugDescription) to \(roundTrip.debugDescription)")
    }
    let field = HeaderFieldBuilder.field(name: "X-Test", value: text)
    let lines = field.split(separator: 0x0A, omittingEmptySubsequences: false)
    for (n, line) in lines.enumerated() where n > 0 && n < lines.count - 1 {
      if line.first != 0x20 { problems.append("folded line \(n) does not start with a space") }
    }
    if field.filter({ $0 == 0x0D }).count != field.filter({ $0 == 0x0A }).count {
      problems.append("bare CR or LF in a built field")
    }
    let parsed = Header.parse(field)
    if parsed.fields.count != 1 { problems.append("built field parses as \(parsed.fields.count)") }
    return problems
  }

  /// Section specifiers, resolved against a fixed multipart message.
  static func section(_ data: [UInt8]) -> [String] {
    var problems = [String]()
    let text = String(decoding: data, as: UTF8.self)
    guard let spec = SectionSpec(text) else { return problems }
    let message = Array(
      ("From: a@b.c\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"
        + "Content-Type: message/rfc822\r\n\r\nSubject: s\r\n\r\ninner\r\n--x\r\n\r\nsecond\r\n--x--\r\n")
        .utf8)
    let structure = MessageStructure.parse(message)
    let start = Int(data.count % 5)
    if let c = structure.section(
      spec, partial: SectionPartial(start: start, length: 4), in: message)
    {
      if case .range(let r) = c, r.lowerBound < 0 || r.upperBound > message.count {
        problems.append("section out of bounds")
      }
    }
    return problems
  }

  private static func checkPart(_ p: MIMEPart, within outer: Range<Int>, _ problems: inout [String])
  {
    if !(outer.lowerBound <= p.headerRange.lowerBound
      && p.headerRange.upperBound <= outer.upperBound)
    {
      problems.append("header \(p.headerRange) outside \(outer)")
    }
    if !(outer.lowerBound <= p.bodyRange.lowerBound && p.bodyRange.upperBound <= outer.upperBound) {
      problems.append("body \(p.bodyRange) outside \(outer)")
    }
    if p.headerRange.upperBound > p.bodyRange.lowerBound {
      problems.append("header \(p.headerRange) overlaps body \(p.bodyRange)")
    }
    if p.bodyLines < 0 || p.bodyLines > p.bodyOctets + 1 {
      problems.append("\(p.bodyLines) lines in \(p.bodyOctets) octets")
    }
    switch p.content {
    case .single: break
    case .multipart(let children):
      if children.isEmpty { problems.append("multipart without children") }
      var last = p.bodyRange.lowerBound
      for c in children {
        if c.headerRange.lowerBound < last { problems.append("children out of order") }
        last = c.bodyRange.upperBound
        checkPart(c, within: p.bodyRange, &problems)
      }
    case .message(let inner):
      checkPart(inner, within: p.bodyRange, &problems)
      if inner.envelope == nil { problems.append("encapsulated message without envelope") }
    }
  }

  private static func collectPaths(
    _ p: MIMEPart, prefix: [Int], isRoot: Bool, _ out: inout [[Int]]
  ) {
    guard out.count < 100 else { return }
    out.append(prefix)
    switch p.content {
    case .multipart(let children):
      for (i, c) in children.enumerated() {
        collectPaths(c, prefix: prefix + [i + 1], isRoot: false, &out)
      }
    case .message(let inner):
      if case .multipart(let children) = inner.content {
        for (i, c) in children.enumerated() {
          collectPaths(c, prefix: prefix + [i + 1], isRoot: false, &out)
        }
      } else {
        out.append(prefix + [1])
      }
    case .single:
      if isRoot { out.append([1]) }
    }
  }
}
