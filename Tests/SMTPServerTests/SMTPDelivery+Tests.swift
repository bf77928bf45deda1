import Foundation
import Net
import SMTPCore
import Storage
import Testing

@testable import SMTPServer

/// MX delivery into the store: what is accepted, refused, and exactly what gets stored.
@Suite struct SMTPDeliveryTests {
  @Test func mxAcceptsALocalRecipientAndStoresSentBytesPlusTraceFields() async throws {
    try await SMTPFixture.with { f in
      let alice = try await f.addUser("alice")
      let (c, _) = try await f.open()
      _ = try await c.ehlo("client.example.net")
      let reply = try await c.sendMail(
        from: "sender@remote.example", to: ["Alice@Example.TEST"], message: Sample.plain)
      #expect(reply.hasPrefix("250 2.0.0 OK: queued as "))
      let id = String(reply.split(separator: " ").last!)
      let stored = try #require(try await f.inboxText(alice).first)
      let lines = stored.components(separatedBy: "\r\n")
      #expect(lines[0] == "Return-Path: <sender@remote.example>")
      #expect(lines[1].hasPrefix("Received: from client.example.net ([192.0.2.10])"))
      let received = unfold(String(stored.prefix(upTo: stored.range(of: "\r\nFrom:")!.lowerBound)))
      #expect(received.contains("by mx.example.test with ESMTP id \(id)"))
      #expect(received.contains("for <Alice@Example.TEST>;"))
      #expect(Sample.stripTrace(stored) == Sample.plain)
      // The MIME structure is cached with the body for IMAP.
      let box = try #require(try await f.store.mailbox(of: alice.id, named: "INBOX"))
      let info = try #require(try await f.store.messages(in: box.id).first)
      let metadata = try #require(try await f.store.metadata(of: info.body))
      #expect(String(decoding: metadata, as: UTF8.self).contains("\"size\""))
      #expect(
        f.events("smtp-accepted").contains { $0.contains("id=\(id)") && $0.contains("rcpts=1") })
    }
  }

  @Test func relayIsDeniedToEveryoneIncludingLoopback() async throws {
    try await SMTPFixture.with { f in
      for client in [SMTPFixture.remote, SMTPFixture.loopback] {
        let (c, _) = try await f.open(from: client)
        _ = try await c.ehlo()
        #expect(try await c.command("MAIL FROM:<me@remote.example>").hasPrefix("250"))
        #expect(
          try await c.command("RCPT TO:<you@elsewhere.example>") == "554 5.7.1 Relay access denied")
        #expect(try await c.command("RCPT TO:<you@[192.0.2.1]>").hasPrefix("554 5.7.1"))
        #expect(try await c.command("QUIT").hasPrefix("221"))
      }
      #expect(f.events("smtp-rejected").contains { $0.contains("reason=\"relay denied\"") })
      #expect(try await f.store.queuedMessages().isEmpty)
    }
  }

  @Test func unknownLocalUserIsRefusedAtRCPT() async throws {
    try await SMTPFixture.with { f in
      try await f.addUser("alice")
      let (c, _) = try await f.open()
      _ = try await c.ehlo()
      #expect(try await c.command("MAIL FROM:<me@remote.example>").hasPrefix("250"))
      #expect(try await c.command("RCPT TO:<bob@example.test>") == "550 5.1.1 No such user here")
      #expect(try await c.command("RCPT TO:<\"a b\"@example.test>").hasPrefix("550 5.1.1"))
      #expect(try await c.command("RCPT TO:<alice+news@example.test>").hasPrefix("250 2.1.5"))
    }
  }

  @Test func aliasToRemoteGoesToTheQueueWithTheOriginalSender() async throws {
    try await SMTPFixture.with { f in
      let alice = try await f.addUser("alice")
      try await f.store.setAlias(
        "team@example.test", targets: ["alice@example.test", "carol@remote.example"])
      try await f.store.setAlias("fwd@example.test", targets: ["dave@remote.example"])
      let (c, _) = try await f.open()
      _ = try await c.ehlo()
      // Remote only: no Return-Path stored, nothing to skip.
      #expect(
        try await c.sendMail(
          from: "orig@sender.example", to: ["fwd@example.test"], message: Sample.plain
        )
        .hasPrefix("250"))
      // Mixed: Alice's copy has Return-Path; the queue skips it.
      #expect(
        try await c.sendMail(from: "", to: ["team@example.test"], message: Sample.plain)
          .hasPrefix("250"))
      let queued = try await f.store.queuedMessages()
      #expect(queued.count == 2)
      #expect(queued[0].sender == "orig@sender.example")
      #expect(queued[0].recipients.map(\.address) == ["dave@remote.example"])
      let first = OutboundParameters(decoding: queued[0].params)
      #expect(first.skip == 0)
      let firstBody = String(decoding: try await f.store.bodyBytes(queued[0].body), as: UTF8.self)
      #expect(firstBody.hasPrefix("Received: from "))
      #expect(Sample.stripTrace(firstBody) == Sample.plain)

      #expect(queued[1].sender == "")
      #expect(queued[1].recipients.map(\.address) == ["carol@remote.example"])
      let second = OutboundParameters(decoding: queued[1].params)
      let body = try await f.store.bodyBytes(queued[1].body)
      let sent = String(decoding: body[second.skip...], as: UTF8.self)
      #expect(sent.hasPrefix("Received: "))
      #expect(!sent.contains("Return-Path"))
      let local = try #require(try await f.inboxText(alice).first)
      #expect(local.hasPrefix("Return-Path: <>\r\nReceived: "))
      #expect(String(decoding: body, as: UTF8.self) == local, "one body for both")
    }
  }

  @Test func dsnParametersAreQueuedWithEachRemoteRecipient() async throws {
    try await SMTPFixture.with { f in
      try await f.store.setAlias("fwd@example.test", targets: ["dave@remote.example"])
      try await f.store.setAlias("two@example.test", targets: ["erin@remote.example"])
      try await f.store.setAlias("three@example.test", targets: ["erin@remote.example"])
      let (c, _) = try await f.open()
      _ = try await c.ehlo()
      #expect(
        try await c.command("MAIL FROM:<orig@sender.example> RET=FULL ENVID=QQ+2B1")
          .hasPrefix("250"))
      #expect(
        try await c.command("RCPT TO:<fwd@example.test> NOTIFY=SUCCESS,FAILURE").hasPrefix("250"))
      #expect(
        try await c.command(
          "RCPT TO:<two@example.test> NOTIFY=NEVER ORCPT=rfc822;x+2By@old.example"
        )
        .hasPrefix("250"))
      // The same target again: the first RCPT that led to it decides.
      #expect(try await c.command("RCPT TO:<three@example.test>").hasPrefix("250"))
      #expect(try await c.command("DATA").hasPrefix("354"))
      try await c.sendRaw(DotStuffer.encode(Array(Sample.plain.utf8)))
      #expect(try await c.replyText().hasPrefix("250"))

      let queued = try #require(try await f.store.queuedMessages().first)
      let params = OutboundParameters(decoding: queued.params)
      #expect(params.ret == .full)
      #expect(params.envelopeID == "QQ+1")
      #expect(queued.recipients.map(\.address) == ["dave@remote.example", "erin@remote.example"])
      // SUCCESS on an alias is answered here ("expanded"), so its target goes on without it.
      #expect(
        queued.recipients.map(\.params) == [
          "NOTIFY=FAILURE ORCPT=rfc822;fwd@example.test",
          "NOTIFY=NEVER ORCPT=rfc822;x+2By@old.example",
        ])
      let dave = try #require(RcptParameters(decoding: queued.recipients[0].params))
      #expect(dave.notify == [.failure])
      #expect(dave.originalRecipient?.address == "fwd@example.test")
      let erin = try #require(RcptParameters(decoding: queued.recipients[1].params))
      #expect(erin.notify == .never)
      #expect(erin.originalRecipient == .init(addressType: "rfc822", address: "x+y@old.example"))
    }
  }

  @Test func postmasterIsAlwaysAccepted() async throws {
    var settings = SMTPFixture.defaultSettings
    settings.postmaster = "hostmaster"
    try await SMTPFixture.with(settings: settings) { f in
      let alice = try await f.addUser("alice")
      let (c, _) = try await f.open()
      _ = try await c.ehlo()
      // No postmaster account, alias or configured account: the oldest account gets it.
      #expect(
        try await c.sendMail(
          from: "a@remote.example", to: ["PostMaster@example.test"], message: Sample.plain
        )
        .hasPrefix("250"))
      #expect(try await f.inbox(alice).count == 1)
      // The configured postmaster account, then an explicit alias, win over the oldest.
      let hostmaster = try await f.addUser("hostmaster")
      try await c.send("MAIL FROM:<a@remote.example>")
      #expect(try await c.reply().code == 250)
      #expect(try await c.command("RCPT TO:<postmaster>") == "250 2.1.5 OK")
      #expect(try await c.command("DATA").hasPrefix("354"))
      try await c.sendRaw(DotStuffer.encode(Array(Sample.plain.utf8)))
      #expect(try await c.reply().code == 250)
      #expect(try await f.inbox(hostmaster).count == 1)
      let bob = try await f.addUser("bob")
      try await f.store.setAlias("postmaster@example.test", targets: ["bob@example.test"])
      #expect(
        try await c.sendMail(from: "", to: ["postmaster@example.test"], message: Sample.plain)
          .hasPrefix("250"))
      #expect(try await f.inbox(bob).count == 1)
      // A hosted domain without any account: temporary.
      #expect(try await c.command("MAIL FROM:<a@remote.example>").hasPrefix("250"))
      #expect(
        try await c.command("RCPT TO:<postmaster@empty.test>")
          == "450 4.2.1 Postmaster mailbox temporarily unavailable")
      #expect(try await c.command("RCPT TO:<nobody@empty.test>").hasPrefix("550 5.1.1"))
      #expect(await f.service.checkPostmasters() == ["empty.test"])
      #expect(f.events("smtp-no-postmaster").contains { $0.contains("domain=empty.test") })
    }
  }

  @Test func overQuotaAtRCPTAndAfterData() async throws {
    try await SMTPFixture.with { f in
      let alice = try await f.addUser("alice", quotaBytes: 10_000)
      let bob = try await f.addUser("bob")
      let (c, _) = try await f.open()
      _ = try await c.ehlo()
      #expect(try await c.command("MAIL FROM:<a@remote.example> SIZE=20000").hasPrefix("250"))
      #expect(
        try await c.command("RCPT TO:<alice@example.test>")
          == "452 4.2.2 Mailbox full, try again later")
      #expect(try await c.command("RCPT TO:<bob@example.test>").hasPrefix("250"))
      #expect(try await c.command("RSET").hasPrefix("250"))
      // Room at RCPT, none at the end of data: nothing stored for anyone, 452 (temporary).
      #expect(try await c.command("MAIL FROM:<a@remote.example>").hasPrefix("250"))
      #expect(try await c.command("RCPT TO:<alice@example.test>").hasPrefix("250"))
      #expect(try await c.command("RCPT TO:<bob@example.test>").hasPrefix("250"))
      #expect(try await c.command("DATA").hasPrefix("354"))
      let big = "Subject: big\r\n\r\n" + String(repeating: "0123456789\r\n", count: 1000)
      try await c.sendRaw(DotStuffer.encode(Array(big.utf8)))
      #expect(try await c.replyText() == "452 4.2.2 Mailbox full, try again later")
      #expect(try await f.inbox(alice).isEmpty)
      #expect(try await f.inbox(bob).isEmpty)
    }
  }

  @Test func fullDiskIs452_4_3_1() async throws {
    try await SMTPFixture.with(minimumFreeBytes: .max) { f in
      // The fixture's store refuses to grow; another handle on the same database (as the
      // CLI would be) creates the account.
      var config = StoreConfig(
        dataDirectory: f.directory + "/data", hostedDomains: [SMTPFixture.domain])
      config.minimumFreeBytes = 0
      let other = try await MailStore.open(config)
      let alice = try await other.createAccount(address: "alice@example.test", passwordHash: nil)
      await other.close()
      let (c, _) = try await f.open()
      _ = try await c.ehlo()
      #expect(
        try await c.sendMail(
          from: "a@remote.example", to: ["alice@example.test"], message: Sample.plain)
          == "452 4.3.1 Insufficient system storage")
      #expect(try await f.inbox(alice).isEmpty)
    }
  }

  @Test func tooManyRecipientsThenTheNextTransaction() async throws {
    try await SMTPFixture.with { f in
      let alice = try await f.addUser("alice")
      let (c, _) = try await f.open()
      _ = try await c.ehlo()
      var commands = "MAIL FROM:<a@remote.example>\r\n"
      for i in 0..<101 { commands += "RCPT TO:<alice+\(i)@example.test>\r\n" }
      try await c.sendRaw(commands)
      #expect(try await c.reply().code == 250)
      for _ in 0..<100 { #expect(try await c.reply().code == 250) }
      #expect(try await c.replyText() == "452 4.5.3 Too many recipients")
      #expect(try await c.command("DATA").hasPrefix("354"))
      try await c.sendRaw(DotStuffer.encode(Array(Sample.plain.utf8)))
      #expect(try await c.reply().code == 250)
      // One copy for the account however many of its addresses were given; no `for`.
      let stored = try await f.inboxText(alice)
      #expect(stored.count == 1)
      #expect(!stored[0].contains(" for <"))
      #expect(
        try await c.sendMail(
          from: "a@remote.example", to: ["alice+100@example.test"], message: Sample.plain
        )
        .hasPrefix("250"))
      #expect(try await f.inbox(alice).count == 2)
    }
  }

  @Test func sizeLimitAtMAILAndAfterData() async throws {
    var settings = SMTPFixture.defaultSettings
    settings.maxMessageSize = 1000
    try await SMTPFixture.with(settings: settings) { f in
      let alice = try await f.addUser("alice")
      let (c, _) = try await f.open()
      #expect(try await c.ehlo().size == 1000)
      #expect(
        try await c.command("MAIL FROM:<a@remote.example> SIZE=1001")
          == "552 5.3.4 Message size exceeds fixed maximum message size")
      let big = "Subject: big\r\n\r\n" + String(repeating: "x", count: 2000) + "\r\nQUIT\r\n"
      let reply = try await c.sendMail(
        from: "a@remote.example", to: ["alice@example.test"], message: big)
      #expect(reply.hasPrefix("552 5.3.4"))
      #expect(try await c.command("NOOP") == "250 2.0.0 OK", "the message's QUIT line did not run")
      #expect(try await f.inbox(alice).isEmpty)
    }
  }

  @Test func loopDetectionAfter50ReceivedFields() async throws {
    try await SMTPFixture.with { f in
      let alice = try await f.addUser("alice")
      let (c, _) = try await f.open()
      _ = try await c.ehlo()
      let hops = (0..<51).map {
        "Received: from h\($0).example by x.example; Tue, 1 Jul 2003 10:52:37 +0200\r\n"
      }
      #expect(
        try await c.sendMail(
          from: "a@remote.example", to: ["alice@example.test"],
          message: hops.joined() + "\r\nloop\r\n")
          == "554 5.4.6 Too many hops: mail loop detected")
      let fifty = hops.dropFirst().joined() + "\r\nnot yet a loop\r\n"
      #expect(
        try await c.sendMail(from: "a@remote.example", to: ["alice@example.test"], message: fifty)
          .hasPrefix("250"))
      #expect(try await f.inbox(alice).count == 1)
    }
  }

  @Test func eightBitSMTPUTF8AndLongLinesAreStoredUnchanged() async throws {
    try await SMTPFixture.with { f in
      let alice = try await f.addUser("alice")
      try await f.store.setAlias("jösé@example.test", targets: ["alice@example.test"])
      let (c, _) = try await f.open()
      _ = try await c.ehlo()
      let message =
        "From: Jörg <jörg@remote.example>\r\nSubject: grüße\r\n\r\nÄÖÜ 8-bit\r\n"
        + String(repeating: "L", count: 5000) + "\r\n"
      #expect(
        try await c.command("MAIL FROM:<jörg@remote.example> BODY=8BITMIME SMTPUTF8").hasPrefix(
          "250"))
      #expect(try await c.command("RCPT TO:<jösé@example.test>").hasPrefix("250"))
      #expect(try await c.command("DATA").hasPrefix("354"))
      try await c.sendRaw(DotStuffer.encode(Array(message.utf8)))
      #expect(try await c.reply().code == 250)
      let stored = try #require(try await f.inboxText(alice).first)
      #expect(Sample.stripTrace(stored) == message)
      #expect(unfold(stored).contains("with UTF8SMTP id"))
      // Without SMTPUTF8 a UTF-8 address is refused; BINARYMIME is not offered.
      #expect(try await c.command("MAIL FROM:<jörg@remote.example>").hasPrefix("553 5.6.7"))
      #expect(
        try await c.command("MAIL FROM:<a@remote.example> BODY=BINARYMIME").hasPrefix("501 5.5.4"))
      #expect(try await c.command("MAIL FROM:<a@remote.example> BODY=7BIT").hasPrefix("250"))
    }
  }

  @Test func largeMessagesGoThroughASpoolFileThatIsRemovedAfterwards() async throws {
    var settings = SMTPFixture.defaultSettings
    settings.memoryMessageLimit = 4096
    try await SMTPFixture.with(settings: settings) { f in
      let alice = try await f.addUser("alice")
      let (c, _) = try await f.open()
      _ = try await c.ehlo()
      var body = ""
      for i in 0..<20_000 { body += "line \(i) of a large message\r\n" }
      let message = "Subject: large\r\n\r\n" + body
      #expect(
        try await c.sendMail(from: "a@remote.example", to: ["alice@example.test"], message: message)
          .hasPrefix("250"))
      let stored = try #require(try await f.inboxText(alice).first)
      #expect(Sample.stripTrace(stored) == message)
      #expect(f.spoolFiles().isEmpty)
    }
  }

  @Test func leftoverSpoolFilesAreRemovedAtStart() async throws {
    let leaveOne: (String) throws -> Void = { data in
      try FileManager.default.createDirectory(
        atPath: data + "/spool", withIntermediateDirectories: true)
      try "half a message".write(
        toFile: data + "/spool/old-1.eml", atomically: false, encoding: .utf8)
    }
    try await SMTPFixture.with(prepare: leaveOne) { f in
      #expect(f.spoolFiles().isEmpty)
      #expect(f.events("smtp-spool-cleaned").contains { $0.contains("files=1") })
    }
  }
}
