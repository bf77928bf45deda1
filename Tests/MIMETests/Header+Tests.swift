import MIME
import Testing

@Suite struct HeaderTests {
  let folded = Array(
    "Received: from a\r\n\tby b; Mon, 3 Feb 2025 10:00:00 +0000\r\nSubject : obs  \r\nX-Empty:\r\n\r\nbody\r\n"
      .utf8)

  @Test func fieldsKeepTheirExactBytes() throws {
    let h = Header.parse(folded)
    #expect(h.fields.map(\.name) == ["Received", "Subject", "X-Empty"])
    #expect(
      h.fields[0].rawBytes(in: folded).text
        == "Received: from a\r\n\tby b; Mon, 3 Feb 2025 10:00:00 +0000\r\n")
    #expect(h.fields[1].rawBytes(in: folded).text == "Subject : obs  \r\n")
    #expect(h.fields[0].unfoldedValue(in: folded) == "from a\tby b; Mon, 3 Feb 2025 10:00:00 +0000")
    #expect(h.fields[1].unfoldedValue(in: folded) == "obs")
    #expect(h.fields[2].unfoldedValue(in: folded) == "")
    #expect(h.endsWithBlankLine)
    #expect(h.bodyStart == folded.count - 6)
    // The fields plus the blank line make up the header exactly.
    let joined: [UInt8] = h.fields.flatMap { $0.rawBytes(in: folded) } + [13, 10]
    #expect(joined == Array(folded[h.range]))
  }

  @Test func headerBoundaryShapes() {
    // Bare LF line endings.
    let lf = Array("A: 1\nB: 2\n\nbody".utf8)
    #expect(Header.parse(lf).bodyStart == 11)
    // No blank line: the header runs to the end.
    let noBlank = Array("A: 1\r\nB: 2\r\n".utf8)
    let h1 = Header.parse(noBlank)
    #expect(h1.fields.count == 2 && !h1.endsWithBlankLine && h1.bodyStart == noBlank.count)
    // A line that is not a field ends the header there (as Postfix does).
    let junk = Array("A: 1\r\nnot a header line\r\nmore\r\n".utf8)
    let h2 = Header.parse(junk)
    #expect(h2.fields.count == 1 && h2.bodyStart == 6 && !h2.endsWithBlankLine)
    // A message that starts with its body has an empty header.
    let bodyOnly = Array("Hello there\r\n".utf8)
    #expect(Header.parse(bodyOnly).fields.isEmpty && Header.parse(bodyOnly).bodyStart == 0)
    // Empty input.
    #expect(Header.parse([UInt8]()).range == 0..<0)
    // A continuation line before any field is not a header.
    #expect(Header.parse(Array(" x: y\r\n".utf8)).bodyStart == 0)
  }

  @Test func receivedCountForLoopDetection() {
    var m = [UInt8]()
    for i in 0..<51 { m += Array("Received: from hop\(i)\r\n".utf8) }
    m += Array("received: lowercase too\r\nSubject: x\r\n\r\n".utf8)
    let h = Header.parse(m)
    #expect(h.count(named: "Received") == 52)
    #expect(h.count(named: "RECEIVED") == 52)
    #expect(h.first(named: "subject")?.unfoldedValue(in: m) == "x")
    let message = Message(Corpus.message("plain-text"))
    #expect(message.header().count(named: "Received") == 2)
    #expect(message.bodyStart == message.structure.root.headerRange.upperBound)
  }

  @Test func fieldCountIsCapped() {
    var m = [UInt8]()
    for i in 0..<50 { m += Array("X-\(i): v\r\n".utf8) }
    m += [13, 10]
    let h = Header.parse(m, limits: MIMELimits(maxHeaderFields: 10))
    #expect(h.fields.count == 10 && h.isTruncated)
    #expect(h.bodyStart == m.count)
  }

  @Test func headerOfASubrange() {
    let m = Array("Subject: outer\r\n\r\nX: inner\r\nY: 2\r\n\r\nrest".utf8)
    let h = Header.parse(m, in: 18..<m.count)
    #expect(h.fields.map(\.name) == ["X", "Y"])
    #expect(h.range == 18..<36)
  }

  @Test func decodedValue() {
    let m = Array("Subject: =?utf-8?q?caf=C3=A9?=\r\n =?utf-8?q?_cr=C3=A8me?=\r\n\r\n".utf8)
    #expect(Header.parse(m).fields[0].decodedValue(in: m) == "café crème")
  }

  @Test func builtFieldsFoldAt78Columns() {
    let value = (0..<40).map { "word\($0)" }.joined(separator: " ")
    let field = HeaderFieldBuilder.field(name: "Received", value: value)
    let lines = field.text.components(separatedBy: "\r\n")
    #expect(lines.last == "")
    #expect(lines.dropLast().allSatisfy { $0.utf8.count <= 78 })
    #expect(lines.dropFirst().dropLast().allSatisfy { $0.hasPrefix(" ") })
    #expect(lines.count > 3)
    let parsed = Header.parse(field)
    #expect(parsed.fields.count == 1)
    #expect(
      parsed.fields[0].unfoldedValue(in: field).replacingOccurrences(of: "  ", with: " ") == value)
  }

  @Test func builtFieldsCannotInjectLines() {
    let field = HeaderFieldBuilder.field(name: "X-Note", value: "a\r\nBcc: victim@example.com\nb")
    #expect(field.text == "X-Note: a Bcc: victim@example.com b\r\n")
    #expect(Header.parse(field).fields.count == 1)
  }

  @Test func longWordStaysWhole() {
    let word = String(repeating: "x", count: 120)
    let field = HeaderFieldBuilder.field(name: "DKIM-Signature", value: "v=1; b=\(word)")
    #expect(field.text == "DKIM-Signature: v=1;\r\n b=\(word)\r\n")
  }

  @Test func unstructuredFieldsAreEncoded() {
    let field = HeaderFieldBuilder.unstructuredField(name: "Subject", text: "Undelivered: Grüße")
    #expect(field.allSatisfy { $0 < 0x80 })
    #expect(Header.parse(field).fields[0].decodedValue(in: field) == "Undelivered: Grüße")
    #expect(
      HeaderFieldBuilder.unstructuredField(name: "Subject", text: "plain").text
        == "Subject: plain\r\n")
  }
}
