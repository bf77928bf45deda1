import MIME
import Testing

@Suite struct TransferEncodingTests {
  func b64(_ s: String) -> String {
    String(decoding: TransferEncoding.base64.decode(Array(s.utf8)), as: UTF8.self)
  }
  func qp(_ s: String) -> String {
    String(decoding: TransferEncoding.quotedPrintable.decode(Array(s.utf8)), as: UTF8.self)
  }

  @Test func base64() {
    #expect(b64("aGVsbG8gd29ybGQ=") == "hello world")
    #expect(b64("aGVs\r\nbG8g\r\nd29y\r\nbGQ=") == "hello world")
    #expect(b64("aGVsbG8gd29ybGQ") == "hello world")  // missing padding
    #expect(b64("aGV!!sbG8*gd29ybGQ=") == "hello world")  // junk skipped
    #expect(b64("aGk=aGk=") == "hihi")  // concatenated encodings
    #expect(b64("") == "")
    #expect(b64("a") == "")
    #expect(b64("====") == "")
    #expect(b64("-_-_") == b64("+/+/"))
  }

  @Test func quotedPrintable() {
    #expect(qp("caf=C3=A9") == "café")
    #expect(qp("caf=c3=a9") == "café")
    #expect(qp("soft=\r\nbreak") == "softbreak")
    #expect(qp("soft= \t\r\nbreak") == "softbreak")
    #expect(qp("soft=\nbreak") == "softbreak")
    #expect(qp("trailing   \r\nspace") == "trailing\r\nspace")
    #expect(qp("keep =\r\n") == "keep ")
    #expect(qp("bad =ZZ escape") == "bad =ZZ escape")
    #expect(qp("end =") == "end ")
    #expect(qp("=4") == "=4")
    #expect(qp("a=3D=3Db") == "a==b")
  }

  @Test func identityAndNames() {
    #expect(TransferEncoding.sevenBit.decode([1, 2]) == [1, 2])
    #expect(TransferEncoding.other("x-uuencode").imapName == "X-UUENCODE")
    #expect(TransferEncoding.quotedPrintable.imapName == "QUOTED-PRINTABLE")
    #expect(TransferEncoding.binary.isIdentity && !TransferEncoding.base64.isIdentity)
  }

  @Test func corpusBodiesDecode() throws {
    let message = Message(Corpus.message("encodings"))
    let parts = try #require(message.structure.root.children)
    #expect(
      parts.map(\.transferEncoding) == [
        .sevenBit, .eightBit, .binary, .base64, .quotedPrintable, .other("x-uuencode"),
      ])
    #expect(message.text(of: parts[1]) == "eight bit: naïve café")
    #expect(
      message.decodedBody(of: parts[2]) == Array("binary".utf8) + [0, 1, 2, 0xFF]
        + Array(" bytes".utf8))
    #expect(message.text(of: parts[3]) == String(repeating: "Base64 text: Grüße, 世界\n", count: 4))
    #expect(
      message.text(of: parts[4]) == "Quoted=printable with soft break and café and trailing\r\nline"
    )
  }
}
