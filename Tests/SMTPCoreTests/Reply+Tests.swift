import SMTPCore
import Testing

@Suite struct ReplyTests {
  static let encodings: [(Reply, String)] = [
    (Reply(250, EnhancedStatusCode(2, 0, 0), "OK"), "250 2.0.0 OK\r\n"),
    (Reply.greeting(host: "mx.example.com"), "220 mx.example.com ESMTP ready\r\n"),
    (
      Reply(code: 250, lines: ["mx.example.com", "PIPELINING", "SIZE 1000"]),
      "250-mx.example.com\r\n250-PIPELINING\r\n250 SIZE 1000\r\n"
    ),
    (
      Reply(
        code: 550, enhancedCode: EnhancedStatusCode(5, 1, 1), lines: ["No such user", "Really"]),
      "550-5.1.1 No such user\r\n550 5.1.1 Really\r\n"
    ),
    (Reply(code: 250, lines: []), "250 \r\n"),
    (Reply(code: 250, enhancedCode: EnhancedStatusCode(2, 0, 0), lines: [""]), "250 2.0.0\r\n"),
    (Reply(code: 250, lines: ["", ""]), "250-\r\n250 \r\n"),
    (Reply.authChallenge(""), "334 \r\n"),
    (Reply.authChallenge("VXNlcm5hbWU6"), "334 VXNlcm5hbWU6\r\n"),
    (Reply.startMailInput, "354 End data with <CR><LF>.<CR><LF>\r\n"),
    // A line break in text would forge a reply line: it becomes a space.
    (Reply(550, EnhancedStatusCode(5, 1, 1), "bad\r\n250 OK"), "550 5.1.1 bad  250 OK\r\n"),
  ]

  @Test(arguments: encodings)
  func encodes(reply: Reply, wire: String) {
    #expect(reply.encoded() == bytes(wire))
  }

  @Test(arguments: encodings)
  func parsesWhatItEncodes(reply: Reply, wire: String) throws {
    let (replies, consumed) = try ReplyParser.parseAll(bytes(wire))
    #expect(consumed == wire.utf8.count)
    let parsed = try #require(replies.first)
    #expect(replies.count == 1)
    #expect(parsed.code == reply.code)
    #expect(parsed.enhancedCode == reply.enhancedCode)
    #expect(parsed.encoded() == reply.encoded())
  }

  @Test func catalogueCodes() {
    let table: [(Reply, Int, String?)] = [
      (.relayDenied, 554, "5.7.1"), (.unknownUser, 550, "5.1.1"), (.authRequired, 530, "5.7.0"),
      (.tooManyRecipients, 452, "4.5.3"), (.messageTooBig, 552, "5.3.4"),
      (.localError, 451, "4.3.0"), (.overQuotaTemp, 452, "4.2.2"), (.diskFull, 452, "4.3.1"),
      (.tooManyErrors, 421, "4.7.0"), (.loopDetected, 554, "5.4.6"), (.smuggling, 550, "5.6.0"),
      (.unknownCommand, 500, "5.5.2"), (.lineTooLong, 500, "5.5.2"),
      (.badSequence("x"), 503, "5.5.1"), (.unrecognizedAuthMechanism, 504, "5.5.4"),
      (.unknownParameter("X"), 555, "5.5.4"), (.syntaxError("x"), 501, "5.5.4"),
      (.nonASCIIAddress, 553, "5.6.7"), (.postmasterUnavailable, 450, "4.2.1"),
      (.senderNotOwned, 550, "5.7.1"), (.lineTooLongInData, 552, "5.3.4"),
      (.noValidRecipients, 554, "5.5.1"), (.authSucceeded, 235, "2.7.0"),
      (.authFailed, 535, "5.7.8"), (.encryptionRequired, 538, "5.7.11"),
      (.cannotDecodeBase64, 501, "5.5.2"), (.authCancelled, 501, "5.0.0"),
      (.tooManyConnections, 421, "4.7.0"), (.timeout, 421, "4.4.2"),
      (.readyToStartTLS, 220, "2.0.0"), (.cannotVerify, 252, "2.0.0"),
      (.senderOK, 250, "2.1.0"), (.recipientOK, 250, "2.1.5"),
      // No enhanced code on the greeting, HELO/EHLO and 3xx (RFC 2034 §3).
      (.greeting(host: "h"), 220, nil), (.helo(host: "h"), 250, nil),
      (.startMailInput, 354, nil), (.authChallenge("x"), 334, nil),
    ]
    for (reply, code, enhanced) in table {
      #expect(reply.code == code, "\(reply)")
      #expect(reply.enhancedCode?.description == enhanced, "\(reply)")
    }
  }

  @Test func countsSyntaxAndSequenceErrors() {
    #expect(Reply.unknownCommand.isSyntaxOrSequenceError)
    #expect(Reply.unrecognizedAuthMechanism.isSyntaxOrSequenceError)
    #expect(!Reply.unknownParameter("X").isSyntaxOrSequenceError)
    #expect(!Reply.relayDenied.isSyntaxOrSequenceError)
    #expect(!Reply.tooManyRecipients.isSyntaxOrSequenceError)
  }

  @Test func enhancedStatusCodeText() {
    #expect(EnhancedStatusCode("5.1.1") == EnhancedStatusCode(5, 1, 1))
    #expect(EnhancedStatusCode("2.0.0")?.description == "2.0.0")
    #expect(EnhancedStatusCode("4.999.999") == EnhancedStatusCode(4, 999, 999))
    for bad in ["3.0.0", "5.1", "5.1.1.1", "5.1000.1", "5..1", "x.1.1", "", "5.1.1 "] {
      #expect(EnhancedStatusCode(bad) == nil, "\(bad)")
    }
  }

  @Test func parserReadsMultiLineReplies() throws {
    var parser = ReplyParser()
    #expect(try parser.parse(line: bytes("250-2.1.0 first")) == nil)
    #expect(parser.isInsideReply)
    #expect(try parser.parse(line: bytes("250-second")) == nil)
    let reply = try #require(try parser.parse(line: bytes("250 2.1.0 third")))
    #expect(
      reply
        == Reply(
          code: 250, enhancedCode: EnhancedStatusCode(2, 1, 0), lines: ["first", "second", "third"])
    )
    #expect(!parser.isInsideReply)
    // The next reply starts afresh.
    #expect(try parser.parse(line: bytes("221 Bye")) == Reply(221, nil, "Bye"))
  }

  @Test func enhancedCodeOnlyWhenClassMatches() throws {
    var parser = ReplyParser()
    #expect(try parser.parse(line: bytes("250 5.1.1 text")) == Reply(250, nil, "5.1.1 text"))
    #expect(
      try parser.parse(line: bytes("550 5.1.1")) == Reply(550, EnhancedStatusCode(5, 1, 1), ""))
    #expect(try parser.parse(line: bytes("550 5.1.1x")) == Reply(550, nil, "5.1.1x"))
    #expect(try parser.parse(line: bytes("250")) == Reply(250, nil, ""))
  }

  static let malformed: [(String, ReplyParseError)] = [
    ("", .malformedLine("")),
    ("25", .malformedLine("25")),
    ("abc hello", .malformedLine("abc hello")),
    ("150 too low", .malformedLine("150 too low")),
    ("650 too high", .malformedLine("650 too high")),
    ("260 bad second digit", .malformedLine("260 bad second digit")),
    ("250_x", .malformedLine("250_x")),
  ]

  @Test(arguments: malformed)
  func parserRefusesMalformedLines(line: String, error: ReplyParseError) {
    var parser = ReplyParser()
    #expect(throws: error) { try parser.parse(line: bytes(line)) }
  }

  @Test func parserRefusesMixedCodesAndEndlessReplies() throws {
    var parser = ReplyParser()
    _ = try parser.parse(line: bytes("250-a"))
    #expect(throws: ReplyParseError.inconsistentCodes(first: 250, then: 251)) {
      try parser.parse(line: bytes("251 b"))
    }
    var bounded = ReplyParser(limits: SMTPLimits(maxReplyLines: 3))
    for _ in 0..<3 { _ = try bounded.parse(line: bytes("250-x")) }
    #expect(throws: ReplyParseError.tooManyLines) { try bounded.parse(line: bytes("250-x")) }
    var short = ReplyParser(limits: SMTPLimits(replyLineLength: 10))
    #expect(try short.parse(line: bytes("250 abcd")) != nil)
    #expect(throws: ReplyParseError.lineTooLong) { try short.parse(line: bytes("250 abcde")) }
  }

  @Test func parseAllLeavesPartialReplies() throws {
    let wire = bytes("220 hi\r\n250-a\r\n250 b\r\n250-partial\r\n")
    let (replies, consumed) = try ReplyParser.parseAll(wire)
    #expect(replies == [Reply(220, nil, "hi"), Reply(code: 250, lines: ["a", "b"])])
    #expect(consumed == bytes("220 hi\r\n250-a\r\n250 b\r\n").count)
  }

  @Test func withTextKeepsCodes() {
    let r = Reply.unknownUser.with(text: "<bob@example.com>: no such user")
    #expect(r.encoded() == bytes("550 5.1.1 <bob@example.com>: no such user\r\n"))
  }
}
