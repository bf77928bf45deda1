import SMTPCore
import Testing

@Suite struct SMTPSessionStateTests {
  let sender = Command.mail(.mailbox(mailbox("a", "example.com")), MailParameters())
  let recipient = Command.rcpt(.mailbox(mailbox("b", "example.com")), RcptParameters())

  /// A session greeted with EHLO.
  func greeted(limits: SMTPLimits = SMTPLimits()) -> SMTPSessionState {
    var s = SMTPSessionState(limits: limits)
    _ = s.record(.helo(host: "mx"), for: .ehlo(hello("client.example")))
    return s
  }

  @Test func sequenceBeforeHello() {
    let s = SMTPSessionState()
    #expect(s.phase == .awaitingHello)
    #expect(s.check(sender) == .badSequence("Error: send HELO/EHLO first"))
    #expect(s.check(recipient) == .badSequence("Error: need MAIL command"))
    #expect(s.check(.data) == .badSequence("Error: need MAIL command"))
    #expect(s.check(.bdat(size: 1, last: true)) == .badSequence("Error: need MAIL command"))
    #expect(s.check(.starttls) == .badSequence("Error: send EHLO first"))
    #expect(
      s.check(.auth(mechanism: "PLAIN", initialResponse: nil))
        == .badSequence("Error: send EHLO first"))
    for ok: Command in [
      .ehlo(hello("x")), .helo(hello("x")), .noop(nil), .rset, .quit, .help(nil), .vrfy("x"),
    ] {
      #expect(s.check(ok) == nil, "\(ok)")
    }
  }

  @Test func aWholeDataTransaction() {
    var s = greeted()
    #expect(s.phase == .ready && s.isExtended)
    #expect(s.check(sender) == nil)
    _ = s.record(.senderOK, for: sender)
    #expect(s.phase == .mailGiven && s.inTransaction)
    #expect(s.check(sender) == .badSequence("Error: nested MAIL command"))
    #expect(s.check(.data) == .badSequence("Error: need RCPT command"))
    #expect(s.check(recipient) == nil)
    _ = s.record(.recipientOK, for: recipient)
    #expect(s.phase == .recipientsGiven && s.acceptedRecipients == 1)
    #expect(s.check(.data) == nil)
    _ = s.record(.startMailInput, for: .data)
    #expect(s.phase == .receivingData)
    #expect(s.check(.noop(nil)) == .badSequence("Error: message data in progress"))
    _ = s.record(.accepted(id: "42"), for: .data)
    #expect(s.phase == .ready && !s.inTransaction && s.mailParameters == nil)
  }

  @Test func declaredSizeOverTheLimitIsRefusedAtMail() {
    let s = greeted(limits: SMTPLimits(maxMessageSize: 1000))
    let big = Command.mail(.null, MailParameters(size: 1001))
    #expect(s.check(big) == .messageTooBig)
    #expect(s.check(.mail(.null, MailParameters(size: 1000))) == nil)
    #expect(
      Reply.messageTooBig.encoded()
        == bytes("552 5.3.4 Message size exceeds fixed maximum message size\r\n"))
  }

  @Test func dataAfterAllRecipientsRefusedIs554() {
    var s = greeted()
    _ = s.record(.senderOK, for: sender)
    _ = s.record(.unknownUser, for: recipient)
    _ = s.record(.relayDenied, for: recipient)
    #expect(s.refusedRecipients == 2)
    #expect(s.check(.data) == .noValidRecipients)
    #expect(s.check(.bdat(size: 1, last: true)) == .noValidRecipients)
  }

  @Test func recipientLimitThenNextTransaction() {
    var s = greeted(limits: SMTPLimits(maxRecipients: 2))
    _ = s.record(.senderOK, for: sender)
    for _ in 0..<2 {
      #expect(s.check(recipient) == nil)
      _ = s.record(.recipientOK, for: recipient)
    }
    #expect(s.check(recipient) == .tooManyRecipients)
    let sent = s.record(.tooManyRecipients, for: recipient)
    #expect(sent == .tooManyRecipients)
    #expect(s.errorCount == 0)
    #expect(s.acceptedRecipients == 2)
    _ = s.record(.startMailInput, for: .data)
    _ = s.record(.accepted(id: "1"), for: .data)
    _ = s.record(.senderOK, for: sender)
    #expect(s.check(recipient) == nil)
  }

  @Test func bdatSequence() {
    var s = greeted()
    _ = s.record(.senderOK, for: sender)
    _ = s.record(.recipientOK, for: recipient)
    let chunk = Command.bdat(size: 10, last: false)
    #expect(s.check(chunk) == nil)
    _ = s.record(.chunkReceived(octets: 10), for: chunk)
    #expect(s.phase == .receivingChunks)
    #expect(s.check(.data) == .badSequence("Error: DATA during BDAT transfer"))
    #expect(s.check(recipient) == .badSequence("Error: BDAT transfer in progress"))
    #expect(s.check(sender) == .badSequence("Error: BDAT transfer in progress"))
    #expect(s.check(.vrfy("x")) == .badSequence("Error: BDAT transfer in progress"))
    #expect(s.check(.noop(nil)) == nil)
    let last = Command.bdat(size: 0, last: true)
    #expect(s.check(last) == nil)
    _ = s.record(.accepted(id: "7"), for: last)
    #expect(s.phase == .ready)
    // After LAST, another BDAT is out of sequence (RFC 3030 §2).
    #expect(s.check(last) == .badSequence("Error: need MAIL command"))
  }

  @Test func refusedChunkEndsTheTransaction() {
    var s = greeted()
    _ = s.record(.senderOK, for: sender)
    _ = s.record(.recipientOK, for: recipient)
    _ = s.record(.messageTooBig, for: .bdat(size: 100, last: false))
    #expect(s.phase == .ready)
    #expect(s.check(.bdat(size: 5, last: true)) == .badSequence("Error: need MAIL command"))
  }

  @Test func binaryMIMENeedsBDAT() {
    var s = greeted()
    let binary = Command.mail(
      .mailbox(mailbox("a", "example.com")), MailParameters(body: .binaryMIME))
    _ = s.record(.senderOK, for: binary)
    _ = s.record(.recipientOK, for: recipient)
    #expect(s.check(.data) == .badSequence("Error: BODY=BINARYMIME requires BDAT"))
    #expect(s.check(.bdat(size: 3, last: true)) == nil)
  }

  @Test func smtputf8TransactionFlag() {
    var s = greeted()
    #expect(!s.isSMTPUTF8Transaction)
    let utf8 = Command.mail(
      .mailbox(mailbox("jörg", "example.com")), MailParameters(smtputf8: true))
    _ = s.record(.senderOK, for: utf8)
    #expect(s.isSMTPUTF8Transaction)
    _ = s.record(.ok, for: .rset)
    #expect(!s.isSMTPUTF8Transaction && s.phase == .ready)
  }

  @Test func rsetAndEhloClearTheTransaction() {
    var s = greeted()
    _ = s.record(.senderOK, for: sender)
    _ = s.record(.recipientOK, for: recipient)
    _ = s.record(.helo(host: "mx"), for: .ehlo(hello("again")))
    #expect(s.phase == .ready && s.acceptedRecipients == 0 && s.helloName == hello("again"))
    var fresh = SMTPSessionState()
    _ = fresh.record(.ok, for: .rset)
    #expect(fresh.phase == .awaitingHello)
  }

  @Test func startTLSResetsToHello() {
    var s = greeted()
    #expect(s.check(.starttls) == nil)
    _ = s.record(.readyToStartTLS, for: .starttls)
    #expect(s.isTLS && s.phase == .awaitingHello && s.helloName == nil)
    #expect(s.check(.starttls) == .badSequence("Error: TLS already active"))
    _ = s.record(.helo(host: "mx"), for: .ehlo(hello("c")))
    _ = s.record(.senderOK, for: sender)
    // STARTTLS and AUTH are not allowed inside a transaction.
    let tls = SMTPSessionState(isTLS: false)
    #expect(tls.check(.starttls) == .badSequence("Error: send EHLO first"))
    var t = greeted()
    _ = t.record(.senderOK, for: sender)
    #expect(t.check(.starttls) == .badSequence("Error: MAIL transaction in progress"))
    #expect(
      t.check(.auth(mechanism: "PLAIN", initialResponse: nil))
        == .badSequence("Error: MAIL transaction in progress"))
  }

  @Test func authRules() {
    var s = SMTPSessionState(isTLS: true)
    _ = s.record(.helo(host: "mx"), for: .helo(hello("c")))
    // AUTH is an ESMTP extension: HELO is not enough.
    #expect(
      s.check(.auth(mechanism: "PLAIN", initialResponse: nil))
        == .badSequence("Error: send EHLO first"))
    _ = s.record(.helo(host: "mx"), for: .ehlo(hello("c")))
    let auth = Command.auth(mechanism: "PLAIN", initialResponse: .base64("AGEAYg=="))
    #expect(s.check(auth) == nil)
    _ = s.record(.authChallenge(""), for: auth)
    #expect(!s.isAuthenticated)
    _ = s.record(.authSucceeded, for: auth)
    #expect(s.isAuthenticated)
    #expect(s.check(auth) == .badSequence("Error: already authenticated"))
  }

  @Test func errorLimitEndsWith421() {
    var s = SMTPSessionState(limits: SMTPLimits(maxErrors: 20))
    for i in 1...20 {
      #expect(s.record(.unknownCommand, for: nil) == .unknownCommand, "error \(i)")
    }
    // Other refusals do not count.
    #expect(s.record(.relayDenied, for: recipient) == .relayDenied)
    #expect(s.record(.unknownParameter("X"), for: nil) == .unknownParameter("X"))
    #expect(s.phase != .closed)
    #expect(s.record(.badSequence("x"), for: sender) == .tooManyErrors)
    #expect(s.phase == .closed)
    #expect(s.errorCount == 21)
  }

  @Test func quitAnd421Close() {
    var s = greeted()
    _ = s.record(.closing(host: "mx"), for: .quit)
    #expect(s.phase == .closed)
    #expect(s.check(.noop(nil)) == .badSequence("Error: session closed"))
    var t = greeted()
    _ = t.record(.shuttingDown, for: .noop(nil))
    #expect(t.phase == .closed)
    var u = greeted()
    u.close()
    #expect(u.phase == .closed)
  }
}
