import Foundation
import Net
import PostaTestSupport
import SMTPCore
import Storage
import TLS
import Testing

@testable import SMTPServer

/// Submission (587 with STARTTLS, 465 with implicit TLS): TLS, AUTH, sender ownership.
@Suite struct SMTPSubmissionTests {
  @Test func submissionWithoutTLSOffersNoAuthAndRefusesMail() async throws {
    try await SMTPFixture.with(tls: true) { f in
      try await f.addUser("alice")
      // Loopback or not: SMTP never offers AUTH before TLS.
      let (c, _) = try await f.open(role: .submission, from: SMTPFixture.loopback)
      let ehlo = try await c.ehlo()
      #expect(ehlo.startTLS)
      #expect(ehlo.authMechanisms.isEmpty)
      #expect(
        try await c.command("MAIL FROM:<alice@example.test>")
          == "530 5.7.0 Must issue a STARTTLS command first")
      #expect(try await c.authPlain("alice@example.test", "secret").hasPrefix("530 5.7.0"))
      #expect(try await c.command("RCPT TO:<bob@remote.example>").hasPrefix("503"))
    }
  }

  @Test func startTLSThenAuthPlainThenSendAnywhere() async throws {
    try await SMTPFixture.with(tls: true) { f in
      let alice = try await f.addUser("alice")
      let bob = try await f.addUser("bob")
      let (c, _) = try await f.open(role: .submission)
      _ = try await c.ehlo()
      try await c.startTLS()
      let ehlo = try await c.ehlo()
      #expect(!ehlo.startTLS)
      #expect(ehlo.authMechanisms == ["SCRAM-SHA-256", "PLAIN", "LOGIN"])
      #expect(
        try await c.command("MAIL FROM:<alice@example.test>") == "530 5.7.0 Authentication required"
      )
      #expect(
        try await c.authPlain("alice@example.test", "wrong")
          == "535 5.7.8 Authentication credentials invalid")
      #expect(
        try await c.authPlain("alice@example.test", "secret")
          == "235 2.7.0 Authentication successful")
      #expect(try await c.command("AUTH PLAIN").hasPrefix("503 5.5.1"), "already authenticated")
      #expect(!(try await c.ehlo().authMechanisms.contains("PLAIN")))
      let reply = try await c.sendMail(
        from: "alice@example.test", to: ["carol@remote.example", "bob@example.test"],
        message: Sample.fromAlice())
      #expect(reply.hasPrefix("250 2.0.0"))
      let queued = try #require(try await f.store.queuedMessages().first)
      #expect(queued.sender == "alice@example.test")
      #expect(queued.recipients.map(\.address) == ["carol@remote.example"])
      let params = OutboundParameters(decoding: queued.params)
      #expect(params.submitter == "alice@example.test")
      let stored = try #require(try await f.inboxText(bob).first)
      let trace = unfold(stored)
      #expect(trace.contains("with ESMTPSA id"))
      #expect(trace.contains("(using TLSv1.3 with cipher TLS_"))
      #expect(!trace.contains(" for <"), "two recipients: no for clause")
      #expect(!Sample.stripTrace(stored).isEmpty)
      let received = String(
        stored[
          stored.range(of: "Received:")!.lowerBound..<stored.range(of: "\r\nFrom:")!.lowerBound])
      #expect(!received.contains("alice"), "the login is never in Received")
      #expect(try await f.inbox(alice).isEmpty)
      #expect(
        f.events("smtp-login").contains { $0.contains("result=ok") && $0.contains("mech=PLAIN") })
      #expect(!f.sink.lines.contains { $0.contains("secret") })
    }
  }

  @Test func authLoginAndCancel() async throws {
    try await SMTPFixture.with(tls: true) { f in
      try await f.addUser("alice")
      let (c, _) = try await f.open(role: .submission)
      _ = try await c.ehlo()
      try await c.startTLS()
      _ = try await c.ehlo()
      try await c.send("AUTH LOGIN")
      #expect(try challenge(try await c.reply()) == "Username:")
      try await c.send("*")
      #expect(try await c.replyText() == "501 5.0.0 Authentication cancelled")
      let login = SASLClient.login("alice@example.test", "secret")
      try await c.send("AUTH LOGIN " + login.username)
      #expect(try challenge(try await c.reply()) == "Password:")
      #expect(try await c.command(login.password).hasPrefix("235 2.7.0"))
    }
  }

  @Test func authRefusals() async throws {
    try await SMTPFixture.with(tls: true) { f in
      try await f.addUser("alice")
      let (c, _) = try await f.openReadyForAuth()
      #expect(try await c.command("AUTH CRAM-MD5") == "504 5.5.4 Unrecognized authentication type")
      #expect(try await c.command("AUTH PLAIN not*base64").hasPrefix("501 5.5.2"))
      try await c.send("AUTH PLAIN")
      #expect(try await c.reply().lines == [""], "an empty challenge: `334 `")
      #expect(try await c.command("%%%%").hasPrefix("501 5.5.2"))
      try await c.send("AUTH PLAIN")
      _ = try await c.reply()
      #expect(
        try await c.command(String(repeating: "A", count: 13000))
          == "500 5.5.2 Error: line too long")
      #expect(try await c.command("AUTH PLAIN =").hasPrefix("501 5.5.2"), "empty PLAIN message")
      #expect(try await c.command("MAIL FROM:<alice@example.test>").hasPrefix("530 5.7.0"))
      #expect(try await c.authPlain("alice@example.test", "secret").hasPrefix("235"))
      #expect(f.events("smtp-login").contains { $0.contains("reason=malformed") })
    }
  }

  @Test func authSCRAMSHA256() async throws {
    try await SMTPFixture.with(tls: true) { f in
      try await f.addUser("alice", password: "pencil")
      let (c, _) = try await f.open(role: .submissions)
      _ = try await c.ehlo()
      let scram = SCRAMClient(
        username: "alice@example.test", password: "pencil", nonce: "rOprNGfwEbeRWgbNEkqO")
      try await c.send("AUTH SCRAM-SHA-256 " + base64(scram.clientFirst))
      let serverFirst = try challenge(try await c.reply())
      let (final, serverFinal) = try scram.final(serverFirst: serverFirst)
      try await c.send(base64(final))
      #expect(try challenge(try await c.reply()) == serverFinal)
      #expect(try await c.command("") == "235 2.7.0 Authentication successful")
    }
  }

  @Test func startTLSDropsPipelinedCommandsAndResetsTheSession() async throws {
    try await SMTPFixture.with(tls: true) { f in
      try await f.addUser("alice")
      let (c, _) = try await f.open(role: .mx)
      _ = try await c.ehlo()
      try await c.sendRaw("STARTTLS\r\nMAIL FROM:<injected@remote.example>\r\n")
      #expect(try await c.replyText() == "220 2.0.0 Ready to start TLS")
      try await c.handshake()
      // The pipelined MAIL never ran, and the session starts over from EHLO.
      #expect(
        try await c.command("MAIL FROM:<a@remote.example>")
          == "503 5.5.1 Error: send HELO/EHLO first")
      let ehlo = try await c.ehlo()
      #expect(!ehlo.startTLS)
      #expect(ehlo.authMechanisms.isEmpty, "no AUTH on the MX port by default")
      #expect(try await c.command("AUTH PLAIN") == "503 5.5.1 Error: authentication not enabled")
      #expect(try await c.command("STARTTLS").hasPrefix("503 5.5.1"))
      let alice = try #require(try await f.store.account(address: "alice@example.test"))
      #expect(
        try await c.sendMail(
          from: "a@remote.example", to: ["alice@example.test"], message: Sample.plain
        )
        .hasPrefix("250"))
      #expect(unfold(try await f.inboxText(alice)[0]).contains("with ESMTPS id"))
    }
  }

  @Test func mxCanOfferAuthAfterTLSWhenConfigured() async throws {
    var settings = SMTPFixture.defaultSettings
    settings.allowAuthOnMX = true
    try await SMTPFixture.with(settings: settings, tls: true) { f in
      try await f.addUser("alice")
      let (c, _) = try await f.open(role: .mx)
      #expect(try await c.ehlo().authMechanisms.isEmpty, "not before TLS")
      try await c.startTLS()
      #expect(try await c.ehlo().authMechanisms.contains("PLAIN"))
      #expect(try await c.authPlain("alice@example.test", "secret").hasPrefix("235"))
      #expect(try await c.command("MAIL FROM:<alice@example.test>").hasPrefix("250"))
      #expect(
        try await c.command("RCPT TO:<x@remote.example>").hasPrefix("250"), "relay after AUTH")
    }
  }

  @Test func implicitTLSGreetsWithTheSNIName() async throws {
    var settings = SMTPFixture.defaultSettings
    settings.hostNames = ["localhost"]
    try await SMTPFixture.with(settings: settings, tls: true) { f in
      try await f.addUser("alice")
      let (c, _, _) = f.connect(role: .submissions)
      try await c.handshake()
      #expect(try await c.replyText() == "220 localhost ESMTP ready")
      let ehlo = try await c.ehlo()
      #expect(ehlo.domain == "localhost")
      #expect(!ehlo.startTLS)
      #expect(ehlo.authMechanisms.contains("PLAIN"))
      #expect(
        try await c.command("MAIL FROM:<alice@example.test>") == "530 5.7.0 Authentication required"
      )
    }
  }

  @Test func senderOwnershipOnEnvelopeAndFrom() async throws {
    try await SMTPFixture.with(tls: true) { f in
      let alice = try await f.addUser("alice")
      try await f.addUser("bob")
      try await f.store.setAlias(
        "sales@example.test", targets: ["alice@example.test", "bob@example.test"])
      let (c, _) = try await f.openAuthenticated("alice")
      #expect(
        try await c.command("MAIL FROM:<bob@example.test>")
          == "550 5.7.1 Sender address not owned by the authenticated user")
      #expect(try await c.command("MAIL FROM:<someone@remote.example>").hasPrefix("550 5.7.1"))
      // Her own address in any case, +tag, an alias pointing to her, and the null sender.
      for sender in ["ALICE@example.test", "alice+x@example.test", "sales@example.test", ""] {
        #expect(try await c.command("MAIL FROM:<\(sender)>").hasPrefix("250"), "\(sender)")
        #expect(try await c.command("RSET").hasPrefix("250"))
      }
      // A spoofed From: is refused after the data.
      let spoof = "From: Bob <bob@example.test>\r\nSubject: x\r\n\r\nhi\r\n"
      #expect(
        try await c.sendMail(from: "alice@example.test", to: ["alice@example.test"], message: spoof)
          .hasPrefix("550 5.7.1"))
      let garbage = "From: not an address\r\nSubject: x\r\n\r\nhi\r\n"
      #expect(
        try await c.sendMail(
          from: "alice@example.test", to: ["alice@example.test"], message: garbage
        )
        .hasPrefix("550 5.7.1"))
      #expect(try await f.inbox(alice).isEmpty)
      #expect(f.events("smtp-rejected").contains { $0.contains("reason=\"from not owned\"") })
      // No From: is no spoof; Message-ID and Date are added.
      let bare = "Subject: no from\r\n\r\nhi\r\n"
      #expect(
        try await c.sendMail(from: "alice@example.test", to: ["alice@example.test"], message: bare)
          .hasPrefix("250"))
      let stored = try #require(try await f.inboxText(alice).first)
      #expect(stored.contains("\r\nMessage-ID: <"))
      #expect(stored.contains("@mx.example.test>\r\nDate: "))
      #expect(stored.hasSuffix("\r\n" + bare))
      // Present ones are kept, not doubled.
      #expect(
        try await c.sendMail(
          from: "alice@example.test", to: ["alice@example.test"], message: Sample.fromAlice()
        )
        .hasPrefix("250"))
      let second = try await f.inboxText(alice)[1]
      #expect(second.components(separatedBy: "Message-ID:").count == 2)
      #expect(Sample.stripTrace(second) == Sample.fromAlice())
    }
  }

  @Test func relaxedOwnershipAndAllowedSenders() async throws {
    var relaxed = SMTPFixture.defaultSettings
    relaxed.requireSenderOwnership = false
    try await SMTPFixture.with(settings: relaxed, tls: true) { f in
      try await f.addUser("alice")
      let (c, _) = try await f.openAuthenticated("alice", role: .submissions)
      let spoof = "From: Bob <bob@example.test>\r\nSubject: x\r\n\r\nhi\r\n"
      #expect(
        try await c.sendMail(from: "bob@example.test", to: ["alice@example.test"], message: spoof)
          .hasPrefix("250"))
    }
    var listed = SMTPFixture.defaultSettings
    listed.allowedSenders = [
      "alice@example.test": ["@lists.example"], "*": ["noreply@example.test"],
    ]
    try await SMTPFixture.with(settings: listed, tls: true) { f in
      try await f.addUser("alice")
      let (c, _) = try await f.openAuthenticated("alice", role: .submissions)
      #expect(try await c.command("MAIL FROM:<news@lists.example>").hasPrefix("250"))
      #expect(try await c.command("RSET").hasPrefix("250"))
      #expect(try await c.command("MAIL FROM:<noreply@example.test>").hasPrefix("250"))
      #expect(try await c.command("RSET").hasPrefix("250"))
      #expect(try await c.command("MAIL FROM:<other@example.test>").hasPrefix("550 5.7.1"))
    }
  }

  @Test func mxMessagesGetNoMessageIDOrDate() async throws {
    try await SMTPFixture.with { f in
      let alice = try await f.addUser("alice")
      let (c, _) = try await f.open()
      _ = try await c.ehlo()
      let bare = "Subject: bare\r\n\r\nhi\r\n"
      #expect(
        try await c.sendMail(from: "x@remote.example", to: ["alice@example.test"], message: bare)
          .hasPrefix("250"))
      #expect(Sample.stripTrace(try await f.inboxText(alice)[0]) == bare)
    }
  }
}
