import MIME
import Testing

@Suite struct SectionTests {
  static let specs: [(String, SectionSpec?)] = [
    ("", SectionSpec()),
    ("HEADER", SectionSpec(text: .header)),
    ("header", SectionSpec(text: .header)),
    ("TEXT", SectionSpec(text: .text)),
    ("1", SectionSpec(part: [1])),
    ("1.2.3", SectionSpec(part: [1, 2, 3])),
    ("1.2.MIME", SectionSpec(part: [1, 2], text: .mime)),
    ("2.HEADER", SectionSpec(part: [2], text: .header)),
    ("2.TEXT", SectionSpec(part: [2], text: .text)),
    ("HEADER.FIELDS (From To)", SectionSpec(text: .headerFields(["From", "To"]))),
    (
      "1.header.fields.not (\"Subject\" X-A)",
      SectionSpec(part: [1], text: .headerFieldsNot(["Subject", "X-A"]))
    ),
    ("MIME", nil),
    ("0", nil),
    ("1.0", nil),
    ("1.", nil),
    (".1", nil),
    ("1..2", nil),
    ("HEADER.FIELDS", nil),
    ("HEADER.FIELDS ()", nil),
    ("HEADER.FIELDS (From", nil),
    ("TEXT.MIME", nil),
    ("99999999999", nil),
    ("1 HEADER", nil),
  ]

  @Test(arguments: 0..<specs.count)
  func parsesSpec(_ i: Int) {
    let (text, expected) = Self.specs[i]
    #expect(SectionSpec(text) == expected, "\(text)")
  }

  let message = Message(Corpus.message("forward-rfc822"))

  func section(_ spec: String, _ partial: SectionPartial? = nil) -> String? {
    guard let s = SectionSpec(spec) else { return "invalid spec" }
    return message.section(s, partial: partial).map { $0.bytes(from: message.source).text }
  }

  static let innerHeader =
    "From: Oscar <oscar@example.com>\r\nTo: Judy <judy@example.org>\r\nSubject: Meeting notes\r\n"
    + "Date: Wed, 5 Feb 2025 18:00:00 +0100\r\nMessage-ID: <notes-7@example.com>\r\n"
    + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"notes-b\"\r\n\r\n"

  @Test func wholeAndTopLevel() throws {
    let all = try #require(section(""))
    #expect(all == message.source.text)
    let header = try #require(section("HEADER"))
    #expect(header.hasPrefix("From: Judy") && header.hasSuffix("boundary=\"fwd-b\"\r\n\r\n"))
    let text = try #require(section("TEXT"))
    #expect(header + text == all)
  }

  @Test func parts() {
    #expect(section("1") == "See the forwarded message below.")
    #expect(section("1.MIME") == "Content-Type: text/plain; charset=utf-8\r\n\r\n")
    #expect(
      section("2.MIME") == "Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n")
    #expect(section("2.HEADER") == Self.innerHeader)
    #expect(section("2")?.hasPrefix(Self.innerHeader) == true)
    #expect(section("2")?.hasSuffix("--notes-b--") == true)
    #expect(section("2.TEXT")?.hasPrefix("--notes-b\r\n") == true)
    #expect(section("2.1") == "Notes are attached.")
    #expect(section("2.2") == "owner,action\r\noscar,send agenda")
    #expect(
      section("2.2.MIME")
        == "Content-Type: text/csv; name=actions.csv\r\nContent-Disposition: attachment; filename=actions.csv\r\n\r\n"
    )
  }

  @Test func headerFields() {
    #expect(
      section("2.HEADER.FIELDS (SUBJECT from)")
        == "From: Oscar <oscar@example.com>\r\nSubject: Meeting notes\r\n\r\n")
    #expect(section("HEADER.FIELDS (X-None)") == "\r\n")
    let not = section("HEADER.FIELDS.NOT (From To Subject Date Message-ID)")
    #expect(not == "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"fwd-b\"\r\n\r\n")
  }

  @Test func missingSections() {
    #expect(section("3") == nil)
    #expect(section("2.3") == nil)
    #expect(section("1.1") == nil)
    #expect(section("1.HEADER") == nil)
    #expect(section("1.TEXT") == nil)
    #expect(section("2.2.1") == nil)
  }

  @Test func partials() {
    #expect(section("1", SectionPartial(start: 4, length: 9)) == "the forwa")
    #expect(section("1", SectionPartial(start: 30, length: 100)) == "w.")
    #expect(section("1", SectionPartial(start: 100, length: 5)) == "")
    #expect(section("1", SectionPartial(start: 0, length: 0)) == "")
    #expect(section("2.HEADER.FIELDS (Subject)", SectionPartial(start: 0, length: 7)) == "Subject")
    #expect(section("1", SectionPartial(start: Int.max, length: Int.max)) == "")
    #expect(
      section("1", SectionPartial(start: 1, length: Int.max)) == "ee the forwarded message below.")
  }

  @Test func singlePartMessage() {
    let m = Message(Corpus.message("plain-text"))
    let body = m.section(SectionSpec(part: [1]))
    #expect(body == .range(m.structure.root.bodyRange))
    #expect(m.section(SectionSpec(part: [1], text: .mime)) == .range(m.structure.root.headerRange))
    #expect(m.section(SectionSpec(part: [2])) == nil)
    #expect(m.section(SectionSpec(part: [1, 1])) == nil)
  }

  @Test func digestParts() {
    let m = Message(Corpus.message("digest"))
    func s(_ spec: String) -> String? {
      m.section(SectionSpec(spec)!).map { $0.bytes(from: m.source).text }
    }
    #expect(s("1.MIME") == "\r\n")
    #expect(s("1.HEADER") == "From: a@example.com\r\nSubject: one\r\n\r\n")
    #expect(s("1.TEXT") == "first")
    #expect(s("1.1") == "first")
    #expect(s("2") == "explicit text")
  }
}
