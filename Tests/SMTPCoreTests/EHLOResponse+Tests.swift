import SMTPCore
import Testing

@Suite struct EHLOResponseTests {
  @Test func buildsTheAdvertisedList() {
    let ehlo = EHLOResponse(
      domain: "mx.example.com", greeting: "greets client", pipelining: true, size: 52_428_800,
      eightBitMIME: true, smtputf8: true, enhancedStatusCodes: true, chunking: true,
      startTLS: true, authMechanisms: ["PLAIN", "LOGIN"])
    let wire = String(decoding: ehlo.reply.encoded(), as: UTF8.self)
    #expect(
      wire == """
        250-mx.example.com greets client\r
        250-PIPELINING\r
        250-SIZE 52428800\r
        250-STARTTLS\r
        250-AUTH PLAIN LOGIN\r
        250-ENHANCEDSTATUSCODES\r
        250-8BITMIME\r
        250-SMTPUTF8\r
        250 CHUNKING\r

        """)
    #expect(ehlo.reply.enhancedCode == nil)
  }

  @Test func afterTLSWithoutAuth() {
    let ehlo = EHLOResponse(domain: "mx", pipelining: true, size: 0)
    #expect(ehlo.reply.encoded() == bytes("250-mx\r\n250-PIPELINING\r\n250 SIZE\r\n"))
  }

  @Test func roundTrips() throws {
    let ehlo = EHLOResponse(
      domain: "mx.example.com", greeting: "hello", pipelining: true, size: 1000,
      eightBitMIME: true, smtputf8: true, enhancedStatusCodes: true, chunking: true,
      binaryMIME: true, dsn: true, startTLS: true, authMechanisms: ["SCRAM-SHA-256", "PLAIN"],
      otherExtensions: ["X-FOO bar", "VRFY"])
    let wire = ehlo.reply.encoded()
    let (replies, _) = try ReplyParser.parseAll(wire)
    #expect(try EHLOResponse(parsing: #require(replies.first)) == ehlo)
  }

  @Test func parsesRealWorldReplies() throws {
    let wire = bytes(
      "250-smtp.example.net at your service, [192.0.2.7]\r\n250-size 35882577\r\n250-8BITMIME\r\n"
        + "250-AUTH=LOGIN PLAIN\r\n250-auth login plain xoauth2\r\n250-ENHANCEDSTATUSCODES\r\n"
        + "250-PIPELINING\r\n250-CHUNKING\r\n250 SMTPUTF8\r\n")
    let reply = try #require(try ReplyParser.parseAll(wire).replies.first)
    let ehlo = try EHLOResponse(parsing: reply)
    #expect(ehlo.domain == "smtp.example.net")
    #expect(ehlo.greeting == "at your service, [192.0.2.7]")
    #expect(ehlo.size == 35_882_577)
    #expect(ehlo.eightBitMIME && ehlo.enhancedStatusCodes && ehlo.pipelining && ehlo.chunking)
    #expect(ehlo.smtputf8)
    #expect(!ehlo.startTLS && !ehlo.dsn)
    #expect(ehlo.authMechanisms == ["LOGIN", "PLAIN", "XOAUTH2"])
    #expect(ehlo.offersAuth("plain"))
    #expect(!ehlo.offersAuth("CRAM-MD5"))
  }

  @Test func singleLineAndRefusals() throws {
    let ehlo = try EHLOResponse(parsing: Reply(250, nil, "tiny.example"))
    #expect(ehlo == EHLOResponse(domain: "tiny.example"))
    #expect(throws: EHLOParseError.notPositive(Reply(502, EnhancedStatusCode(5, 5, 1), "no"))) {
      try EHLOResponse(parsing: Reply(502, EnhancedStatusCode(5, 5, 1), "no"))
    }
  }
}
