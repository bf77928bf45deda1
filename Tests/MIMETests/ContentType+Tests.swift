import MIME
import Testing

@Suite struct ContentTypeTests {
  func parse(_ s: String) -> ContentType? { ContentType.parse(Array(s.utf8)) }

  @Test func basicForms() throws {
    let t = try #require(parse("Text/HTML; Charset=\"UTF-8\"; format=flowed"))
    #expect(t.type == "text" && t.subtype == "html" && t.mimeType == "text/html")
    #expect(t.charset == "UTF-8")
    #expect(t.parameter("FORMAT") == "flowed")
    #expect(t.parameters.map(\.name) == ["charset", "format"])
    #expect(t.isText && !t.isMultipart)
  }

  @Test func lenientForms() throws {
    // Comments, folding, a missing ";", unquoted values with spaces and "=".
    let t = try #require(
      parse("multipart/mixed (comment)\r\n\t boundary=----=_NextPart_000_0001 x=1"))
    #expect(t.parameter("boundary") == "----=_NextPart_000_0001 x=1")
    let u = try #require(parse("application/pdf; name=my file.pdf"))
    #expect(u.parameter("name") == "my file.pdf")
    let v = try #require(parse("text/plain; charset=us-ascii; charset=utf-8"))
    #expect(v.charset == "us-ascii")
    #expect(parse("text/plain;;; ; =x; y=")?.parameters.map(\.name) == ["y"])
  }

  @Test func invalidForms() {
    #expect(parse("text") == nil)
    #expect(parse("/plain") == nil)
    #expect(parse("") == nil)
    #expect(parse("text/") == nil)
  }

  @Test func rfc2231Continuations() throws {
    let t = try #require(
      parse(
        "application/x-stuff; title*0*=us-ascii'en'This%20is%20even%20more%20;"
          + " title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*2=\"isn't it!\""))
    let p = try #require(t.parameters.first)
    #expect(p.name == "title")
    #expect(p.value == "This is even more ***fun*** isn't it!")
    #expect(p.isExtended && p.charset == "us-ascii" && p.language == "en")
    #expect(
      p.rawValue == "us-ascii'en'This%20is%20even%20more%20%2A%2A%2Afun%2A%2A%2A%20isn%27t%20it!")
  }

  @Test func rfc2231Forms() throws {
    let single = try #require(parse("text/plain; name*=utf-8''%E2%82%AC%20rates.txt"))
    #expect(single.parameter("name") == "€ rates.txt")
    let plainParts = try #require(parse("text/plain; name*1=\"b\"; name*0=\"a\"; name*2=c"))
    #expect(plainParts.parameter("name") == "abc")
    #expect(plainParts.parameters[0].isExtended == false)
    // A gap ends the value; a huge section number is ignored.
    let gap = try #require(parse("text/plain; n*0=a; n*2=c; n*99999999999999999999=z"))
    #expect(gap.parameter("n") == "a")
    // No charset quotes: the value is taken as it is.
    let noQuotes = try #require(parse("text/plain; n*=plain%41"))
    #expect(noQuotes.parameter("n") == "plainA")
    // Unknown charset degrades to replacement characters, never fails.
    let unknown = try #require(parse("text/plain; n*=x-nope''a%FFb"))
    #expect(unknown.parameter("n") == "a\u{FFFD}b")
    // An RFC 2231 value wins over the plain one sent for old clients.
    let both = try #require(parse("text/plain; name=\"old.txt\"; name*=utf-8''new.txt"))
    #expect(both.parameter("name") == "new.txt")
    #expect(both.parameters.count == 1)
  }

  @Test func encodedWordInParameter() throws {
    let t = try #require(parse("text/plain; name=\"=?utf-8?B?w6lsw6lwaGFudC50eHQ=?=\""))
    #expect(t.parameter("name") == "éléphant.txt")
    #expect(t.parameters[0].rawValue == "=?utf-8?B?w6lsw6lwaGFudC50eHQ=?=")
  }

  @Test func disposition() throws {
    let d = try #require(
      ContentDisposition.parse(Array("Attachment; filename=\"a b.pdf\"; size=10".utf8)))
    #expect(d.type == "attachment" && d.filename == "a b.pdf")
    #expect(ContentDisposition.parse(Array(" ; x=y".utf8)) == nil)
  }

  @Test func corpusParameters() throws {
    let s = MessageStructure.parse(Corpus.message("rfc2231"))
    let parts = try #require(s.root.children)
    #expect(parts[0].contentType.parameter("name") == "日本語.txt")
    #expect(parts[0].disposition?.filename == "日本語.txt")
    #expect(parts[0].disposition?.parameters.first?.language == "ja")
    #expect(parts[1].disposition?.filename == "éléphant.txt")
    #expect(parts[2].contentType.parameter("name") == "café.pdf")
  }

  @Test func messageIDs() {
    func ids(_ s: String) -> [String] { MessageID.parseList(Array(s.utf8)) }
    #expect(ids("<a@b> <c@d>") == ["a@b", "c@d"])
    #expect(ids("<a@b>\r\n <c@d> (comment) \"phrase\" <e@f>") == ["a@b", "c@d", "e@f"])
    #expect(ids("<a @ b>") == ["a@b"])
    #expect(ids("bare@id other") == ["bare@id"])
    #expect(ids("<unterminated@x") == ["unterminated@x"])
    #expect(ids("") == [])
    #expect(
      MessageID.parseList(Array(String(repeating: "<a@b>", count: 100).utf8), limit: 5).count == 5)
  }
}
