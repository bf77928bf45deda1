import Delivery
import MIME
import SMTPCore
import Testing

/// The client's handling of DSN (RFC 3461), refusing greetings (RFC 5321 §3.1), a server
/// that is ourselves, and servers without 8BITMIME (RFC 6152).
@Suite struct SMTPClientExtensionTests {
  let base = SMTPClientTests()

  func dsnMessage(_ bytes: [UInt8] = sampleMessage()) -> OutboundMessage {
    OutboundMessage(
      sender: "alice@a.test", body: .bytes(bytes), ret: .full, envelopeID: "env 1+2")
  }

  let notified = OutboundRecipient(
    "bob@b.test",
    dsn: RcptParameters(
      notify: [.success, .failure],
      originalRecipient: .init(addressType: "rfc822", address: "bobby@a.test")))

  @Test func dsnParametersGoOnlyToAServerThatOffersDSN() async throws {
    var b = FakeSMTPServer.Behaviour()
    b.dsn = true
    try await base.withServer(b) { server, client, host, _ in
      let result = await client.send(
        dsnMessage(), to: [notified, "carl@b.test"], host: host, address: server.address)
      #expect(result.outcomes.allSatisfy { $0.isDelivered })
      #expect(result.offersDSN)
      #expect(
        server.messages.first?.mailLine == "MAIL FROM:<alice@a.test> RET=FULL ENVID=env+201+2B2")
      #expect(
        server.commands.filter { $0.hasPrefix("RCPT") } == [
          "RCPT TO:<bob@b.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bobby@a.test",
          "RCPT TO:<carl@b.test>",
        ])
    }
    try await base.withServer { server, client, host, _ in
      let result = await client.send(
        dsnMessage(), to: [notified], host: host, address: server.address)
      #expect(result.outcomes[0].isDelivered)
      #expect(!result.offersDSN)
      #expect(server.messages.first?.mailLine == "MAIL FROM:<alice@a.test>")
      #expect(server.commands.contains("RCPT TO:<bob@b.test>"))
    }
  }

  @Test func aPermanentGreetingRefusalIsMarkedSoTheLastHostFails() async throws {
    var b = FakeSMTPServer.Behaviour()
    b.greeting = Reply(554, EnhancedStatusCode(5, 7, 1), "no SMTP service here")
    try await base.withServer(b) { server, client, host, _ in
      let result = await client.send(
        base.message(), to: ["bob@b.test"], host: host, address: server.address)
      // Another host may still take it: deferred here, DomainDelivery decides.
      guard case .deferred(let reply, retryElsewhere: true) = result.outcomes[0] else {
        Issue.record("expected a deferral to try elsewhere, got \(result.outcomes)")
        return
      }
      #expect(reply.description == "mx.fake.test said: 554 5.7.1 no SMTP service here")
      #expect(result.refusedPermanently)
      // RFC 5321 §3.1: QUIT, and nothing else.
      try await eventually("the QUIT") { server.commands == ["QUIT"] }
    }
    b.greeting = Reply(421, EnhancedStatusCode(4, 3, 2), "busy")
    try await base.withServer(b) { server, client, host, _ in
      let result = await client.send(
        base.message(), to: ["bob@b.test"], host: host, address: server.address)
      #expect(!result.refusedPermanently)
      guard case .deferred(let reply, retryElsewhere: true) = result.outcomes[0] else {
        Issue.record("expected a deferral, got \(result.outcomes)")
        return
      }
      #expect(reply.code == 421)
    }
  }

  @Test func aServerUsingOurOwnNameIsALoop() async throws {
    for (greeting, ehlo) in [
      ("mail.a.test ESMTP", "mx.fake.test"), ("mx.fake.test", "MAIL.A.TEST"),
    ] {
      var b = FakeSMTPServer.Behaviour()
      b.greeting = Reply(220, nil, greeting)
      b.ehloName = ehlo
      try await base.withServer(b) { server, client, host, sink in
        let result = await client.send(
          base.message(), to: ["bob@b.test"], host: host, address: server.address)
        #expect(result.loopsBack)
        guard case .deferred(let reply, retryElsewhere: true) = result.outcomes[0] else {
          Issue.record("expected a deferral, got \(result.outcomes)")
          return
        }
        #expect(reply.smtpText.hasPrefix("451 4.4.6 mail loops back to myself"))
        #expect(server.messages.isEmpty)
        #expect(!server.commands.contains { $0.hasPrefix("MAIL") })
        #expect(sink.lines.contains { $0.contains("event=delivery-loop") })
      }
    }
  }

  // MARK: - 8BITMIME

  static let eightBit = Array(
    """
    From: alice@a.test\r
    To: bob@b.test\r
    Subject: Gr\u{fc}\u{df}e\r
    MIME-Version: 1.0\r
    Content-Type: text/plain; charset=utf-8\r
    Content-Transfer-Encoding: 8bit\r
    \r
    Gr\u{fc}\u{df}e aus K\u{f6}ln.\r
    .\r
    ..two dots\r

    """.utf8)

  @Test func eightBitContentIsConvertedForAServerWithoutEightBitMIME() async throws {
    var b = FakeSMTPServer.Behaviour()
    b.eightBitMIME = false
    try await base.withServer(b) { server, client, host, _ in
      let m = OutboundMessage(
        sender: "alice@a.test", body: .bytes(Self.eightBit), bodyType: .eightBitMIME)
      let result = await client.send(m, to: ["bob@b.test"], host: host, address: server.address)
      #expect(result.outcomes[0].isDelivered)
      let sent = try #require(server.messages.first)
      #expect(sent.mailLine == "MAIL FROM:<alice@a.test>", "no BODY= to a 7-bit server")
      let header = Header.parse(sent.data)
      #expect(!sent.data[header.bodyStart...].contains { $0 >= 0x80 })
      let root = MessageStructure.parse(sent.data).root
      #expect(root.transferEncoding == .quotedPrintable)
      let original = MessageStructure.parse(Self.eightBit).root
      #expect(
        root.transferEncoding.decode(sent.data[root.bodyRange])
          == Array(Self.eightBit[original.bodyRange]))
      #expect(
        header.first(named: "Subject")?.rawBytes(in: sent.data) == Array("Subject: Grüße\r\n".utf8))
    }
  }

  @Test func sevenBitMessagesAndEightBitServersAreLeftAlone() async throws {
    var b = FakeSMTPServer.Behaviour()
    b.eightBitMIME = false
    try await base.withServer(b) { server, client, host, _ in
      let result = await client.send(
        base.message(), to: ["bob@b.test"], host: host, address: server.address)
      #expect(result.outcomes[0].isDelivered)
      #expect(server.messages.first?.data == sampleMessage())
    }
    try await base.withServer { server, client, host, _ in
      let m = OutboundMessage(
        sender: "alice@a.test", body: .bytes(Self.eightBit), bodyType: .eightBitMIME)
      _ = await client.send(m, to: ["bob@b.test"], host: host, address: server.address)
      #expect(server.messages.first?.data == Self.eightBit)
    }
  }

  @Test func aMessageThatCannotBeConvertedFailsWithAClearReason() async throws {
    var b = FakeSMTPServer.Behaviour()
    b.eightBitMIME = false
    let uuencoded = Array(
      """
      From: alice@a.test\r
      MIME-Version: 1.0\r
      Content-Type: application/octet-stream\r
      Content-Transfer-Encoding: x-uuencode\r
      \r
      begin 644 caf\u{e9}\r

      """.utf8)
    try await base.withServer(b) { server, client, host, _ in
      let result = await client.send(
        OutboundMessage(sender: "alice@a.test", body: .bytes(uuencoded)), to: ["bob@b.test"],
        host: host, address: server.address)
      guard case .failed(let reply) = result.outcomes[0] else {
        Issue.record("expected a failure, got \(result.outcomes)")
        return
      }
      #expect(reply.smtpText.hasPrefix("554 5.6.3 mx.fake.test does not support 8BITMIME"))
      #expect(reply.text.contains("x-uuencode"))
      #expect(server.messages.isEmpty)
    }
  }
}
