import Delivery
import Log
import Net
import SMTPCore
import TLS
import Testing

/// The SMTP client against `FakeSMTPServer` on 127.0.0.1.
@Suite struct SMTPClientTests {
  /// Runs `body` with a reactor, a fake server and a client, then stops them.
  func withServer(
    _ behaviour: FakeSMTPServer.Behaviour = .init(),
    settings: DeliverySettings = testSettings(),
    _ body: (FakeSMTPServer, SMTPClient, RouteHost, LogSink) async throws -> Void
  ) async throws {
    let reactor = try Reactor()
    defer { reactor.shutdown() }
    let server = try FakeSMTPServer(reactor: reactor, behaviour)
    defer { server.stop() }
    let (logger, sink) = capturingLogger()
    let client = try makeClient(settings, reactor: reactor, logger: logger)
    let host = RouteHost(
      name: "mx.fake.test", port: server.port, tls: .opportunistic(plaintextFallback: true))
    try await body(server, client, host, sink)
  }

  func message(_ bytes: [UInt8] = sampleMessage(), sender: String = "alice@a.test")
    -> OutboundMessage
  {
    OutboundMessage(sender: sender, body: .bytes(bytes))
  }

  @Test func deliversAndReportsTheServersReply() async throws {
    try await withServer { server, client, host, _ in
      let result = await client.send(
        message(), to: ["bob@b.test"], host: host, address: server.address)
      #expect(result.tlsVersion == nil)
      guard case .delivered(let reply) = result.outcomes.first else {
        Issue.record("not delivered: \(result.outcomes)")
        return
      }
      #expect(reply.code == 250)
      #expect(reply.remoteMTA == "mx.fake.test")
      #expect(reply.description == "mx.fake.test said: 250 2.0.0 queued as 1")
      #expect(server.messages.count == 1)
      #expect(server.messages.first?.sender == "alice@a.test")
      #expect(server.messages.first?.recipients == ["bob@b.test"])
      #expect(server.messages.first?.data == sampleMessage())
      #expect(server.commands.first == "EHLO mail.a.test")
      #expect(server.commands.last == "QUIT")
    }
  }

  @Test func eachRecipientGetsItsOwnOutcome() async throws {
    var b = FakeSMTPServer.Behaviour()
    b.rcptReply = { address in
      switch address {
      case "later@b.test": Reply(451, EnhancedStatusCode(4, 2, 1), "Try later")
      case "nouser@b.test": Reply(550, EnhancedStatusCode(5, 1, 1), "No such user")
      default: Reply(250, EnhancedStatusCode(2, 1, 5), "OK")
      }
    }
    try await withServer(b) { server, client, host, _ in
      let result = await client.send(
        message(), to: ["ok@b.test", "later@b.test", "nouser@b.test"], host: host,
        address: server.address)
      #expect(result.outcomes.count == 3)
      #expect(result.outcomes[0].isDelivered)
      guard case .deferred(let later, let elsewhere) = result.outcomes[1],
        case .failed(let nouser) = result.outcomes[2]
      else {
        Issue.record("unexpected outcomes \(result.outcomes)")
        return
      }
      #expect(later.smtpText == "451 4.2.1 Try later")
      #expect(elsewhere)
      #expect(nouser.smtpText == "550 5.1.1 No such user")
      #expect(nouser.remoteMTA == "mx.fake.test")
      #expect(server.messages.map(\.recipients) == [["ok@b.test"]])
    }
  }

  @Test func pipelinesMailRcptAndDataInOneWriteWhenOffered() async throws {
    try await withServer { server, client, host, _ in
      let result = await client.send(
        message(), to: ["a@b.test", "b@b.test"], host: host, address: server.address)
      #expect(result.outcomes.allSatisfy { $0.isDelivered })
      #expect(server.pipelinedMAIL == 1)
    }
    var b = FakeSMTPServer.Behaviour()
    b.pipelining = false
    try await withServer(b) { server, client, host, _ in
      let result = await client.send(
        message(), to: ["a@b.test", "b@b.test"], host: host, address: server.address)
      #expect(result.outcomes.allSatisfy { $0.isDelivered })
      #expect(server.pipelinedMAIL == 0)
      #expect(
        server.commands == [
          "EHLO mail.a.test", "MAIL FROM:<alice@a.test>", "RCPT TO:<a@b.test>",
          "RCPT TO:<b@b.test>", "DATA", "QUIT",
        ])
    }
  }

  @Test func noValidRecipientSendsNoData() async throws {
    var b = FakeSMTPServer.Behaviour()
    b.rcptReply = { _ in Reply(550, EnhancedStatusCode(5, 1, 1), "No such user") }
    for pipelining in [true, false] {
      b.pipelining = pipelining
      try await withServer(b) { server, client, host, _ in
        let result = await client.send(
          message(), to: ["x@b.test"], host: host, address: server.address)
        guard case .failed(let reply) = result.outcomes.first else {
          Issue.record("expected a failure, got \(result.outcomes)")
          return
        }
        #expect(reply.code == 550)
        #expect(server.messages.isEmpty)
      }
    }
  }

  @Test func startTLSWithASelfSignedCertificate() async throws {
    var b = FakeSMTPServer.Behaviour()
    b.tls = TestCertificate.serverContext
    try await withServer(b) { server, client, host, _ in
      let result = await client.send(
        message(), to: ["bob@b.test"], host: host, address: server.address)
      #expect(result.outcomes.first?.isDelivered == true)
      #expect(result.tlsVersion == "TLSv1.3")
      #expect(server.tlsSessions == 1)
      #expect(server.messages.first?.tls == true)
      // EHLO again after the handshake (RFC 3207 §4.2).
      #expect(server.commands.prefix(3) == ["EHLO mail.a.test", "STARTTLS", "EHLO mail.a.test"])
    }
  }

  @Test func plainTextWhenSTARTTLSIsNotOffered() async throws {
    try await withServer { server, client, host, _ in
      let result = await client.send(
        message(), to: ["bob@b.test"], host: host, address: server.address)
      #expect(result.tlsVersion == nil)
      #expect(server.messages.first?.tls == false)
      #expect(!server.commands.contains("STARTTLS"))
    }
  }

  @Test func failedHandshakeFallsBackToPlainTextAndIsLogged() async throws {
    var b = FakeSMTPServer.Behaviour()
    b.tls = TestCertificate.serverContext
    b.breakTLS = true
    try await withServer(b) { server, client, host, sink in
      let result = await client.send(
        message(), to: ["bob@b.test"], host: host, address: server.address)
      #expect(result.outcomes.first?.isDelivered == true)
      #expect(result.tlsVersion == nil)
      #expect(server.sessions == 2)
      #expect(server.commands.filter { $0 == "STARTTLS" }.count == 1)
      #expect(sink.lines.contains { $0.contains("event=delivery-tls-failed") })
    }
  }

  @Test func failedHandshakeDefersWhenThePolicyForbidsPlainText() async throws {
    var b = FakeSMTPServer.Behaviour()
    b.tls = TestCertificate.serverContext
    b.breakTLS = true
    try await withServer(b) { server, client, host, _ in
      var strict = host
      strict.tls = .opportunistic(plaintextFallback: false)
      let result = await client.send(
        message(), to: ["bob@b.test"], host: strict, address: server.address)
      guard case .deferred(let reply, _) = result.outcomes.first else {
        Issue.record("expected a deferral, got \(result.outcomes)")
        return
      }
      #expect(reply.enhancedCode?.description == "4.7.5")
      #expect(server.sessions == 1)
      #expect(server.messages.isEmpty)
    }
  }

  @Test func sizeOverTheServersLimitFailsWithoutSending() async throws {
    var b = FakeSMTPServer.Behaviour()
    b.size = 100
    try await withServer(b) { server, client, host, _ in
      let big = sampleMessage(body: String(repeating: "x", count: 500))
      let result = await client.send(
        message(big), to: ["bob@b.test"], host: host, address: server.address)
      guard case .failed(let reply) = result.outcomes.first else {
        Issue.record("expected a failure, got \(result.outcomes)")
        return
      }
      #expect(reply.code == 552)
      #expect(reply.enhancedCode?.description == "5.3.4")
      #expect(!server.commands.contains { $0.hasPrefix("MAIL") })
    }
    b.size = 100_000
    try await withServer(b) { server, client, host, _ in
      let result = await client.send(
        message(), to: ["bob@b.test"], host: host, address: server.address)
      #expect(result.outcomes.first?.isDelivered == true)
      #expect(
        server.messages.first?.mailLine == "MAIL FROM:<alice@a.test> SIZE=\(sampleMessage().count)")
    }
  }

  @Test func utf8WithoutSMTPUTF8FailsClearly() async throws {
    var b = FakeSMTPServer.Behaviour()
    b.smtputf8 = false
    try await withServer(b) { server, client, host, _ in
      // A UTF-8 recipient fails; an ASCII one in the same transaction still goes.
      let result = await client.send(
        message(), to: ["bøb@b.test", "bob@b.test"], host: host, address: server.address)
      guard case .failed(let reply) = result.outcomes[0] else {
        Issue.record("expected a failure, got \(result.outcomes)")
        return
      }
      #expect(reply.enhancedCode?.description == "5.6.7")
      #expect(reply.text.contains("SMTPUTF8"))
      #expect(result.outcomes[1].isDelivered)
      #expect(server.messages.map(\.recipients) == [["bob@b.test"]])

      // UTF-8 header fields: nobody can take it.
      let utf8 = OutboundMessage(
        sender: "alice@a.test", body: .bytes(sampleMessage()), requestsSMTPUTF8: true,
        headerNeedsSMTPUTF8: true)
      let second = await client.send(utf8, to: ["bob@b.test"], host: host, address: server.address)
      guard case .failed(let r2) = second.outcomes[0] else {
        Issue.record("expected a failure, got \(second.outcomes)")
        return
      }
      #expect(r2.enhancedCode?.description == "5.6.9")
      #expect(r2.text.contains("does not support SMTPUTF8"))
    }
    // With SMTPUTF8 offered, it is used.
    try await withServer { server, client, host, _ in
      let result = await client.send(
        message(), to: ["bøb@b.test"], host: host, address: server.address)
      #expect(result.outcomes[0].isDelivered)
      #expect(server.messages.first?.mailLine == "MAIL FROM:<alice@a.test> SMTPUTF8")
    }
  }

  @Test func eightBitMIMEIsPassedOnWhenOffered() async throws {
    try await withServer { server, client, host, _ in
      let m = OutboundMessage(
        sender: "", body: .bytes(sampleMessage()), bodyType: .eightBitMIME)
      let result = await client.send(m, to: ["bob@b.test"], host: host, address: server.address)
      #expect(result.outcomes[0].isDelivered)
      #expect(server.messages.first?.mailLine == "MAIL FROM:<> BODY=8BITMIME")
    }
  }

  @Test func heloWhenEHLOIsRefused() async throws {
    var b = FakeSMTPServer.Behaviour()
    b.refuseEHLO = true
    try await withServer(b) { server, client, host, _ in
      let result = await client.send(
        message(), to: ["bob@b.test"], host: host, address: server.address)
      #expect(result.outcomes[0].isDelivered)
      #expect(server.commands.prefix(2) == ["EHLO mail.a.test", "HELO mail.a.test"])
      #expect(server.pipelinedMAIL == 0)
    }
  }

  @Test func tooManyRecipientsGoInFurtherTransactions() async throws {
    var b = FakeSMTPServer.Behaviour()
    b.maxRecipients = 2
    try await withServer(b) { server, client, host, _ in
      let recipients = (1...5).map { OutboundRecipient("r\($0)@b.test") }
      let result = await client.send(
        message(), to: recipients, host: host, address: server.address)
      #expect(result.outcomes.allSatisfy { $0.isDelivered })
      #expect(server.messages.map(\.recipients.count) == [2, 2, 1])
      #expect(server.sessions == 1)
    }
  }

  @Test func dataRepliesDecideTheAcceptedRecipients() async throws {
    var b = FakeSMTPServer.Behaviour()
    b.dataReply = { _ in Reply(554, EnhancedStatusCode(5, 7, 1), "Message refused as spam") }
    try await withServer(b) { server, client, host, _ in
      let result = await client.send(
        message(), to: ["a@b.test", "b@b.test"], host: host, address: server.address)
      #expect(result.outcomes.allSatisfy { if case .failed = $0 { true } else { false } })
      #expect(result.outcomes[0].reply.smtpText == "554 5.7.1 Message refused as spam")
    }
    b.dataReply = { _ in Reply(451, EnhancedStatusCode(4, 3, 0), "Try again") }
    try await withServer(b) { server, client, host, _ in
      let result = await client.send(
        message(), to: ["a@b.test"], host: host, address: server.address)
      guard case .deferred(let reply, _) = result.outcomes[0] else {
        Issue.record("expected a deferral, got \(result.outcomes)")
        return
      }
      #expect(reply.code == 451)
    }
  }

  @Test func bodyIsDotStuffedAndNormalised() async throws {
    try await withServer { server, client, host, _ in
      let raw = "Subject: dots\r\n\r\n.hidden\r\n..two\nbare LF\r\n.\r\nend".bytes
      let result = await client.send(
        message(raw), to: ["bob@b.test"], host: host, address: server.address)
      #expect(result.outcomes[0].isDelivered)
      #expect(
        server.messages.first?.data
          == "Subject: dots\r\n\r\n.hidden\r\n..two\r\nbare LF\r\n.\r\nend\r\n".bytes)
    }
  }

  @Test func smarthostAuthenticatesOverVerifiedTLS() async throws {
    var settings = testSettings()
    settings.smarthost = Smarthost(
      host: "smarthost.test", username: "relay-user", password: "s3cret",
      trustedCertificatesPath: TestCertificate.files.certPath)
    var b = FakeSMTPServer.Behaviour()
    b.tls = TestCertificate.serverContext
    b.auth = ("relay-user", "s3cret")
    try await withServer(b, settings: settings) { server, client, _, _ in
      let host = RouteHost(
        name: "smarthost.test", port: server.port, tls: .required(verify: true),
        credentials: SMTPCredentials(username: "relay-user", password: "s3cret"),
        trustedCertificatesPath: TestCertificate.files.certPath)
      let result = await client.send(
        message(), to: ["bob@b.test"], host: host, address: server.address)
      #expect(result.outcomes[0].isDelivered)
      #expect(server.authenticated == ["relay-user"])
      #expect(server.messages.first?.tls == true)

      // Wrong password: deferred with the server's reply.
      var wrong = host
      wrong.credentials = SMTPCredentials(username: "relay-user", password: "nope")
      let refused = await client.send(
        message(), to: ["bob@b.test"], host: wrong, address: server.address)
      guard case .deferred(let reply, _) = refused.outcomes[0] else {
        Issue.record("expected a deferral, got \(refused.outcomes)")
        return
      }
      #expect(reply.code == 535)

      // A certificate that does not name the host: no handshake, no credentials sent.
      var mismatched = host
      mismatched.name = "other.test"
      let before = server.commands.filter { $0.hasPrefix("AUTH") }.count
      let unverified = await client.send(
        message(), to: ["bob@b.test"], host: mismatched, address: server.address)
      guard case .deferred(let r3, _) = unverified.outcomes[0] else {
        Issue.record("expected a deferral, got \(unverified.outcomes)")
        return
      }
      #expect(r3.enhancedCode?.description == "4.7.5")
      #expect(server.commands.filter { $0.hasPrefix("AUTH") }.count == before)
    }
  }

  @Test func smarthostWithImplicitTLS() async throws {
    var settings = testSettings()
    settings.smarthost = Smarthost(
      host: "smarthost.test", port: 465, implicitTLS: true, username: "u", password: "p",
      trustedCertificatesPath: TestCertificate.files.certPath)
    var b = FakeSMTPServer.Behaviour()
    b.implicitTLS = TestCertificate.serverContext
    b.auth = ("u", "p")
    try await withServer(b, settings: settings) { server, client, _, _ in
      let host = RouteHost(
        name: "smarthost.test", port: server.port, tls: .required(verify: true),
        implicitTLS: true, credentials: SMTPCredentials(username: "u", password: "p"),
        trustedCertificatesPath: TestCertificate.files.certPath)
      let result = await client.send(
        message(), to: ["bob@b.test"], host: host, address: server.address)
      #expect(result.outcomes[0].isDelivered)
      #expect(result.tlsVersion == "TLSv1.3")
      #expect(server.authenticated == ["u"])
      #expect(!server.commands.contains("STARTTLS"))
    }
  }

  @Test func requiredTLSDefersWhenNotOffered() async throws {
    try await withServer { server, client, host, _ in
      var required = host
      required.tls = .required(verify: false)
      let result = await client.send(
        message(), to: ["bob@b.test"], host: required, address: server.address)
      guard case .deferred(let reply, _) = result.outcomes[0] else {
        Issue.record("expected a deferral, got \(result.outcomes)")
        return
      }
      #expect(reply.enhancedCode?.description == "4.7.4")
      #expect(!server.commands.contains { $0.hasPrefix("MAIL") })
    }
  }

  @Test func silentServerTimesOut() async throws {
    var b = FakeSMTPServer.Behaviour()
    b.silent = true
    var settings = testSettings()
    settings.timeouts.greeting = .milliseconds(150)
    try await withServer(b, settings: settings) { server, client, host, _ in
      let result = await client.send(
        message(), to: ["bob@b.test"], host: host, address: server.address)
      guard case .deferred(let reply, let elsewhere) = result.outcomes[0] else {
        Issue.record("expected a deferral, got \(result.outcomes)")
        return
      }
      #expect(reply.enhancedCode?.description == "4.4.2")
      #expect(reply.text.contains("timeout"))
      #expect(elsewhere)
    }
  }

  @Test func refusedConnectionDefers() async throws {
    let reactor = try Reactor()
    defer { reactor.shutdown() }
    // A port that was just free: bind, note it, close.
    let probe = try TCPListener(
      bindingTo: try SocketAddress(host: "127.0.0.1", port: 0), reactor: reactor)
    let address = probe.localAddress
    probe.close()
    let client = try makeClient(testSettings(), reactor: reactor)
    let host = RouteHost(
      name: "127.0.0.1", port: address.port, tls: .opportunistic(plaintextFallback: true))
    let result = await client.send(
      message(), to: ["bob@b.test"], host: host, address: address)
    guard case .deferred(let reply, true) = result.outcomes[0] else {
      Issue.record("expected a deferral, got \(result.outcomes)")
      return
    }
    #expect(reply.enhancedCode?.description == "4.4.1")
    #expect(reply.remoteMTA == nil)
  }
}
