import SMTPCore
import Testing

@Suite struct CommandParserTests {
  static let successes: [(String, Command)] = [
    ("EHLO mx.example.com", .ehlo(hello("mx.example.com"))),
    ("ehlo mx.example.com", .ehlo(hello("mx.example.com"))),
    ("EHLO [192.0.2.1]", .ehlo(hello("[192.0.2.1]"))),
    ("EHLO [IPv6:2001:db8::1]", .ehlo(hello("[IPv6:2001:db8::1]"))),
    ("EHLO DESKTOP_42  ", .ehlo(hello("DESKTOP_42"))),
    ("HELO localhost", .helo(hello("localhost"))),
    ("MAIL FROM:<a@example.com>", .mail(.mailbox(mailbox("a", "example.com")), MailParameters())),
    ("mail from:<a@example.com>", .mail(.mailbox(mailbox("a", "example.com")), MailParameters())),
    ("MAIL FROM: <a@example.com>", .mail(.mailbox(mailbox("a", "example.com")), MailParameters())),
    ("MAIL FROM:<>", .mail(.null, MailParameters())),
    ("MAIL FROM:<> SIZE=100", .mail(.null, MailParameters(size: 100))),
    (
      "MAIL FROM:<a@example.com> SIZE=1000 BODY=8BITMIME",
      .mail(.mailbox(mailbox("a", "example.com")), MailParameters(size: 1000, body: .eightBitMIME))
    ),
    (
      "MAIL FROM:<a@example.com>  body=7bit   size=5 ",
      .mail(.mailbox(mailbox("a", "example.com")), MailParameters(size: 5, body: .sevenBit))
    ),
    (
      "MAIL FROM:<a@example.com> BODY=BINARYMIME",
      .mail(.mailbox(mailbox("a", "example.com")), MailParameters(body: .binaryMIME))
    ),
    (
      "MAIL FROM:<@relay.example,@b.example:a@example.com>",
      .mail(.mailbox(mailbox("a", "example.com")), MailParameters())
    ),
    (
      "MAIL FROM:<jörg@bücher.example> SMTPUTF8",
      .mail(.mailbox(mailbox("jörg", "bücher.example")), MailParameters(smtputf8: true))
    ),
    (
      "MAIL FROM:<a@b.example> AUTH=<>",
      .mail(.mailbox(mailbox("a", "b.example")), MailParameters(auth: "<>"))
    ),
    (
      "MAIL FROM:<a@b.example> AUTH=e+3Dmc2@example.com",
      .mail(.mailbox(mailbox("a", "b.example")), MailParameters(auth: "e=mc2@example.com"))
    ),
    (
      "MAIL FROM:<a@b.example> RET=HDRS ENVID=QQ314159",
      .mail(
        .mailbox(mailbox("a", "b.example")), MailParameters(ret: .headers, envelopeID: "QQ314159"))
    ),
    (
      "MAIL FROM:<a@b.example> SIZE=99999999999999999999",
      .mail(.mailbox(mailbox("a", "b.example")), MailParameters(size: .max))
    ),
    ("RCPT TO:<b@example.com>", .rcpt(.mailbox(mailbox("b", "example.com")), RcptParameters())),
    ("RCPT TO: <b@example.com>", .rcpt(.mailbox(mailbox("b", "example.com")), RcptParameters())),
    ("rcpt to:<Postmaster>", .rcpt(.postmaster, RcptParameters())),
    ("RCPT TO:<POSTMASTER>", .rcpt(.postmaster, RcptParameters())),
    (
      "RCPT TO:<postmaster@example.com>",
      .rcpt(.mailbox(mailbox("postmaster", "example.com")), RcptParameters())
    ),
    (
      "RCPT TO:<b@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b+40example.com",
      .rcpt(
        .mailbox(mailbox("b", "example.com")),
        RcptParameters(
          notify: [.success, .failure],
          originalRecipient: .init(addressType: "rfc822", address: "b@example.com")))
    ),
    (
      "RCPT TO:<b@example.com> NOTIFY=NEVER",
      .rcpt(.mailbox(mailbox("b", "example.com")), RcptParameters(notify: .never))
    ),
    ("DATA", .data),
    ("data ", .data),
    ("BDAT 1000", .bdat(size: 1000, last: false)),
    ("BDAT 0 LAST", .bdat(size: 0, last: true)),
    ("bdat 12 last", .bdat(size: 12, last: true)),
    ("RSET", .rset),
    ("NOOP", .noop(nil)),
    ("NOOP hello there", .noop("hello there")),
    ("QUIT", .quit),
    ("HELP", .help(nil)),
    ("HELP MAIL", .help("MAIL")),
    ("VRFY bob", .vrfy("bob")),
    ("EXPN staff", .expn("staff")),
    ("STARTTLS", .starttls),
    ("AUTH PLAIN", .auth(mechanism: "PLAIN", initialResponse: nil)),
    (
      "auth plain AGJvYgBzZWNyZXQ=",
      .auth(mechanism: "PLAIN", initialResponse: .base64("AGJvYgBzZWNyZXQ="))
    ),
    ("AUTH EXTERNAL =", .auth(mechanism: "EXTERNAL", initialResponse: .empty)),
    ("AUTH SCRAM-SHA-256", .auth(mechanism: "SCRAM-SHA-256", initialResponse: nil)),
  ]

  @Test(arguments: successes)
  func parses(line: String, expected: Command) {
    #expect(parse(line) == .success(expected))
  }

  static let failures: [(String, Reply)] = [
    ("", .unknownCommand),
    ("FOO bar", .unknownCommand),
    ("MAILFROM:<a@b.c>", .unknownCommand),
    ("ETRN example.com", .notImplemented),
    ("turn", .notImplemented),
    ("EHLO", .syntaxError("Syntax: EHLO domain or address literal")),
    ("EHLO ", .syntaxError("Syntax: EHLO domain or address literal")),
    ("HELO two words", .syntaxError("Syntax: HELO domain or address literal")),
    ("MAIL <a@b.c>", .syntaxError("Syntax: MAIL FROM:<address>")),
    ("MAIL TO:<a@b.c>", .syntaxError("Syntax: MAIL FROM:<address>")),
    (
      "MAIL FROM:a@b.c",
      .badSenderSyntax("Bad sender address syntax: address must be enclosed in <>")
    ),
    (
      "MAIL FROM:<a@b.c",
      .badSenderSyntax("Bad sender address syntax: unexpected character in address or missing '>'")
    ),
    ("MAIL FROM:<a@b.c>x", .badSenderSyntax("Bad sender address syntax: text after '>'")),
    (
      "MAIL FROM:<a..b@c.d>",
      .badSenderSyntax("Bad sender address syntax: invalid local part (dots or characters)")
    ),
    ("MAIL FROM:<@c.d>", .badSenderSyntax("Bad sender address syntax: invalid source route")),
    ("MAIL FROM:<@c.d:>", .badSenderSyntax("Bad sender address syntax: missing local part")),
    ("MAIL FROM:<a@>", .badSenderSyntax("Bad sender address syntax: empty label in domain")),
    (
      "MAIL FROM:<a@-b.c>",
      .badSenderSyntax("Bad sender address syntax: a domain label starts or ends with '-'")
    ),
    (
      "MAIL FROM:<a@b-.c>",
      .badSenderSyntax("Bad sender address syntax: a domain label starts or ends with '-'")
    ),
    ("MAIL FROM:<a>", .badSenderSyntax("Bad sender address syntax: missing '@' in address")),
    ("MAIL FROM:<a@b.c> FOO=bar", .unknownParameter("FOO")),
    ("MAIL FROM:<a@b.c> NOTIFY=NEVER", .unknownParameter("NOTIFY")),
    ("MAIL FROM:<a@b.c> SIZE=abc", .syntaxError("Invalid value for parameter SIZE")),
    (
      "MAIL FROM:<a@b.c> SIZE=",
      .syntaxError("Syntax error in parameters: empty value for parameter SIZE")
    ),
    ("MAIL FROM:<a@b.c> SIZE", .syntaxError("Invalid value for parameter SIZE")),
    ("MAIL FROM:<a@b.c> SIZE=1 SIZE=2", .syntaxError("Parameter SIZE given twice")),
    ("MAIL FROM:<a@b.c> BODY=9BIT", .syntaxError("Invalid value for parameter BODY")),
    ("MAIL FROM:<a@b.c> SMTPUTF8=yes", .syntaxError("Invalid value for parameter SMTPUTF8")),
    ("MAIL FROM:<a@b.c> RET=ALL", .syntaxError("Invalid value for parameter RET")),
    ("MAIL FROM:<a@b.c> AUTH=+zz", .syntaxError("Invalid value for parameter AUTH")),
    ("MAIL FROM:<a@b.c> -X", .syntaxError("Syntax error in parameters: invalid parameter keyword")),
    ("MAIL FROM:<jörg@b.c>", .nonASCIIAddress),
    ("MAIL FROM:<a@bücher.example>", .nonASCIIAddress),
    ("RCPT TO:<b@example.com> FOO", .unknownParameter("FOO")),
    ("RCPT TO:<b@example.com> SIZE=10", .unknownParameter("SIZE")),
    (
      "RCPT TO:<b@example.com> NOTIFY=NEVER,SUCCESS",
      .syntaxError("Invalid value for parameter NOTIFY")
    ),
    (
      "RCPT TO:<b@example.com> ORCPT=b@example.com",
      .syntaxError("Invalid value for parameter ORCPT")
    ),
    ("RCPT TO:<>", .badRecipientSyntax("Bad recipient address syntax: missing local part")),
    ("RCPT <b@c.d>", .syntaxError("Syntax: RCPT TO:<address>")),
    (
      "RCPT TO:<Postmaster",
      .badRecipientSyntax("Bad recipient address syntax: missing '@' in address")
    ),
    ("RCPT TO:<jörg@b.c>", .nonASCIIAddress),
    ("DATA now", .syntaxError("Syntax: DATA takes no arguments")),
    ("RSET x", .syntaxError("Syntax: RSET takes no arguments")),
    ("QUIT now", .syntaxError("Syntax: QUIT takes no arguments")),
    ("STARTTLS x", .syntaxError("Syntax: STARTTLS takes no arguments")),
    ("BDAT", .syntaxError("Syntax: BDAT size [LAST]")),
    ("BDAT x", .syntaxError("Syntax: BDAT size [LAST]")),
    ("BDAT -1", .syntaxError("Syntax: BDAT size [LAST]")),
    ("BDAT 10 FIRST", .syntaxError("Syntax: BDAT size [LAST]")),
    ("BDAT 10 LAST x", .syntaxError("Syntax: BDAT size [LAST]")),
    ("BDAT 1234567890123456789", .syntaxError("Syntax: BDAT size [LAST]")),
    ("VRFY", .syntaxError("Syntax: VRFY string")),
    ("EXPN ", .syntaxError("Syntax: EXPN string")),
    ("AUTH", .syntaxError("Syntax: AUTH mechanism [initial-response]")),
    ("AUTH PL@IN", .syntaxError("Syntax: AUTH mechanism [initial-response]")),
    ("AUTH ABCDEFGHIJKLMNOPQRSTU", .syntaxError("Syntax: AUTH mechanism [initial-response]")),
    ("AUTH PLAIN not-base64!", .cannotDecodeBase64),
    ("AUTH PLAIN abc", .cannotDecodeBase64),
  ]

  @Test(arguments: failures)
  func refuses(line: String, expected: Reply) {
    guard case .failure(let error) = parse(line) else {
      Issue.record("\(line) parsed")
      return
    }
    #expect(error.reply == expected)
  }

  @Test func errorRepliesHaveTheirCodes() throws {
    let table: [(String, Int, String)] = [
      ("WHAT", 500, "5.5.2"), ("MAIL FROM:<a@b.c> X=1", 555, "5.5.4"),
      ("MAIL FROM:<a@b.c> SIZE=x", 501, "5.5.4"), ("MAIL FROM:<bad>", 501, "5.1.7"),
      ("RCPT TO:<bad>", 501, "5.1.3"), ("MAIL FROM:<ü@b.c>", 553, "5.6.7"),
      ("ETRN x", 502, "5.5.1"), ("AUTH PLAIN !!!!", 501, "5.5.2"),
    ]
    for (line, code, enhanced) in table {
      guard case .failure(let e) = parse(line) else {
        Issue.record("\(line) parsed")
        continue
      }
      #expect(e.reply.code == code, "\(line)")
      #expect(e.reply.enhancedCode == EnhancedStatusCode(enhanced), "\(line)")
    }
  }

  @Test func rcptAcceptsUTF8OnlyInAnSMTPUTF8Transaction() {
    let line = "RCPT TO:<jörg@bücher.example>"
    #expect(parse(line, utf8: false) == .failure(.nonASCIIAddress))
    #expect(
      parse(line, utf8: true)
        == .success(.rcpt(.mailbox(mailbox("jörg", "bücher.example")), RcptParameters())))
  }

  @Test func lineLimitsCountTheCRLF() {
    let limits = SMTPLimits(commandLineLength: 512, saslLineLength: 12_288)
    let ok = "NOOP " + String(repeating: "x", count: 505)  // 510 + CRLF = 512
    #expect(parse(ok, limits: limits) == .success(.noop(String(repeating: "x", count: 505))))
    #expect(parse(ok + "x", limits: limits) == .failure(.lineTooLong))
    // AUTH lines may be as long as SASL lines (RFC 4954 §4).
    let response = String(repeating: "QUFB", count: 3000)
    #expect(
      parse("AUTH PLAIN " + response, limits: limits)
        == .success(.auth(mechanism: "PLAIN", initialResponse: .base64(response))))
    #expect(
      parse("AUTH PLAIN " + response + String(repeating: "QUFB", count: 70), limits: limits)
        == .failure(.lineTooLong))
    #expect(
      CommandError.lineTooLong.reply
        == Reply(500, EnhancedStatusCode(5, 5, 2), "Error: line too long"))
  }

  @Test func defaultCommandLimitCoversAdvertisedExtensions() {
    #expect(
      SMTPLimits.commandLineLength(size: true, body: true, smtputf8: true, auth: true) == 1062)
    #expect(
      SMTPLimits.commandLineLength(size: false, body: false, smtputf8: false, auth: false) == 512)
    #expect(SMTPLimits().commandReadLimit == 12_288)
  }

  @Test(arguments: successes)
  func encodedCommandsParseBack(line: String, expected: Command) throws {
    let encoded = expected.encoded()
    #expect(encoded.suffix(2) == [13, 10])
    let again = try CommandParser().parse(encoded.dropLast(2), smtputf8Transaction: true)
    #expect(again == expected)
  }

  @Test func encodingIsCanonical() {
    #expect(
      Command.mail(
        .mailbox(mailbox("a", "example.com")),
        MailParameters(size: 10, body: .eightBitMIME, smtputf8: true)
      ).encoded()
        == bytes("MAIL FROM:<a@example.com> SIZE=10 BODY=8BITMIME SMTPUTF8\r\n"))
    #expect(
      Command.rcpt(.postmaster, RcptParameters()).encoded() == bytes("RCPT TO:<Postmaster>\r\n"))
    #expect(Command.bdat(size: 0, last: true).encoded() == bytes("BDAT 0 LAST\r\n"))
    #expect(
      Command.auth(mechanism: "PLAIN", initialResponse: .empty).encoded()
        == bytes("AUTH PLAIN =\r\n"))
    #expect(
      Command.rcpt(
        .mailbox(mailbox("b", "x.example")),
        RcptParameters(
          notify: [.delay],
          originalRecipient: .init(addressType: "rfc822", address: "b+1@x.example"))
      ).encoded()
        == bytes("RCPT TO:<b@x.example> NOTIFY=DELAY ORCPT=rfc822;b+2B1@x.example\r\n"))
  }

  @Test func descriptionHidesAuthData() {
    #expect(
      Command.auth(mechanism: "PLAIN", initialResponse: .base64("AGJvYgBzZWNyZXQ=")).description
        == "AUTH PLAIN ***")
    #expect(Command.quit.description == "QUIT")
  }

  @Test func saslResponses() {
    #expect((try? SASLResponse.parse(bytes("*"))) == .cancel)
    #expect((try? SASLResponse.parse(bytes(""))) == .base64(""))
    #expect((try? SASLResponse.parse(bytes("dGVzdA=="))) == .base64("dGVzdA=="))
    #expect(throws: CommandError.invalidBase64) { try SASLResponse.parse(bytes("dGVzdA")) }
    #expect(throws: CommandError.invalidBase64) { try SASLResponse.parse(bytes("dG=zdA==")) }
    let long = [UInt8](repeating: 0x41, count: 12_287)
    #expect(throws: CommandError.lineTooLong) { try SASLResponse.parse(long) }
    #expect(CommandError.invalidBase64.reply.code == 501)
  }
}
