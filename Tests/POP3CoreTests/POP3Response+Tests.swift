import POP3Core
import Testing

@Suite struct POP3ResponseTests {
  static let cases: [(POP3Response, String)] = [
    (.ok(""), "+OK\r\n"),
    (.ok("2 320"), "+OK 2 320\r\n"),
    (.error(nil, "no such message"), "-ERR no such message\r\n"),
    (.error(.inUse, "maildrop locked"), "-ERR [IN-USE] maildrop locked\r\n"),
    (.error(.loginDelay, "wait"), "-ERR [LOGIN-DELAY] wait\r\n"),
    (.error(.auth, "bad"), "-ERR [AUTH] bad\r\n"),
    (.error(.systemTemporary, "later"), "-ERR [SYS/TEMP] later\r\n"),
    (.error(.systemPermanent, "never"), "-ERR [SYS/PERM] never\r\n"),
    (.error(.auth, ""), "-ERR [AUTH]\r\n"),
    (.continuation(""), "+ \r\n"),
    (
      .continuation("cj1meWtvK2QybGJiRmdPTlJ2OXFreGRhd0wz"),
      "+ cj1meWtvK2QybGJiRmdPTlJ2OXFreGRhd0wz\r\n"
    ),
    (
      .multiLine("2 messages", lines: ["1 120", "2 200"]),
      "+OK 2 messages\r\n1 120\r\n2 200\r\n.\r\n"
    ),
    (.multiLine("empty", lines: []), "+OK empty\r\n.\r\n"),
    (.multiLine("stuffed", lines: [".", ".x", "a."]), "+OK stuffed\r\n..\r\n..x\r\na.\r\n.\r\n"),
  ]

  @Test(arguments: cases)
  func encodes(_ response: POP3Response, _ wire: String) {
    #expect(String(decoding: response.encoded(), as: UTF8.self) == wire)
  }

  @Test func encodeAppends() {
    var out = Array("x".utf8)
    POP3Response.ok("y").encode(into: &out)
    #expect(out == Array("x+OK y\r\n".utf8))
  }

  @Test func textCannotInjectLines() {
    let reply = POP3Response.error(nil, "evil\r\n+OK forged\u{0}").encoded()
    #expect(String(decoding: reply, as: UTF8.self) == "-ERR evil  +OK forged \r\n")
    let listing = POP3Response.multiLine("a\nb", lines: ["x\r\n.", "y"]).encoded()
    #expect(String(decoding: listing, as: UTF8.self) == "+OK a b\r\nx  .\r\ny\r\n.\r\n")
  }

  @Test func longTextsAreCutAtACharacterBoundary() {
    // 512 octets per first line, CRLF included (RFC 2449 §4). "é" is two octets, so a cut
    // at an odd offset would split it.
    let text = String(repeating: "é", count: 400)
    let reply = POP3Response.ok(text).encoded()
    #expect(reply.count <= 512)
    #expect(reply.count >= 510)
    #expect(String(validating: reply, as: UTF8.self) != nil)
    #expect(reply.suffix(2) == [0x0D, 0x0A])
    var limits = POP3Limits()
    limits.responseLine = 20
    let short = POP3Response.error(.systemTemporary, "0123456789").encoded(limits: limits)
    #expect(String(decoding: short, as: UTF8.self) == "-ERR [SYS/TEMP] 01\r\n")
  }

  @Test func responseCodesAreTheRFCSet() {
    #expect(
      POP3ResponseCode.allCases.map(\.rawValue) == [
        "IN-USE", "LOGIN-DELAY", "AUTH", "SYS/TEMP", "SYS/PERM",
      ])
  }

  @Test func loginFailuresMapToCodes() {
    let replies = [
      POP3LoginFailure.invalidCredentials, .inUse, .malformed("bad base64"), .cancelled,
      .temporary("store busy"), .permanent("no INBOX"),
    ].map { String(decoding: $0.response.encoded(), as: UTF8.self) }
    #expect(
      replies == [
        "-ERR [AUTH] authentication failed\r\n",
        "-ERR [IN-USE] maildrop already in use by another POP3 session; try later\r\n",
        "-ERR malformed authentication exchange: bad base64\r\n",
        "-ERR authentication cancelled\r\n",
        "-ERR [SYS/TEMP] try again later: store busy\r\n",
        "-ERR [SYS/PERM] no INBOX\r\n",
      ])
  }
}
