import Foundation
import Log
import Net
import PostaTestSupport
import SMTPCore
import Storage
import Testing

@testable import SMTPServer

/// Every verb, replies, the error limit, pipelining and session ends, over in-memory pairs.
@Suite struct SMTPTranscriptTests {
  @Test func greetingAndEHLOOnMXWithoutTLS() async throws {
    try await SMTPFixture.with { f in
      let (c, session, _) = f.connect()
      #expect(try await c.replyText() == "220 mx.example.test ESMTP ready")
      let ehlo = try await c.ehlo()
      #expect(ehlo.domain == "mx.example.test")
      #expect(ehlo.pipelining && ehlo.eightBitMIME && ehlo.smtputf8 && ehlo.chunking)
      #expect(ehlo.enhancedStatusCodes)
      #expect(ehlo.size == 50 * 1024 * 1024)
      #expect(!ehlo.startTLS, "no certificate configured")
      #expect(ehlo.authMechanisms.isEmpty)
      #expect(!ehlo.binaryMIME && !ehlo.dsn)
      #expect(try await c.command("QUIT") == "221 2.0.0 mx.example.test closing connection")
      #expect(try await c.atEOF())
      await session.value
    }
  }

  @Test func everySimpleVerb() async throws {
    try await SMTPFixture.with { f in
      let (c, _) = try await f.open()
      #expect(try await c.command("HELO client.example.net") == "250 mx.example.test")
      #expect(try await c.command("NOOP") == "250 2.0.0 OK")
      #expect(try await c.command("noop anything at all") == "250 2.0.0 OK")
      #expect(try await c.command("HELP").hasPrefix("214 2.0.0 "))
      #expect(try await c.command("HELP MAIL").hasPrefix("214 2.0.0 "))
      #expect(try await c.command("VRFY alice").hasPrefix("252 2.0.0 "))
      #expect(try await c.command("EXPN staff").hasPrefix("502 5.5.1 "))
      #expect(try await c.command("RSET") == "250 2.0.0 OK")
      #expect(try await c.command("FOO bar") == "500 5.5.2 Error: command not recognized")
      #expect(try await c.command("TURN").hasPrefix("502 5.5.1"))
      #expect(try await c.command("MAIL FROM:bad").hasPrefix("501 5.1.7"))
      #expect(try await c.command("STARTTLS") == "454 4.7.0 TLS not available")
      #expect(try await c.command("AUTH PLAIN").hasPrefix("503 5.5.1"), "HELO, not EHLO")
      #expect(try await c.command("quit").hasPrefix("221 2.0.0"))
    }
  }

  @Test func sequenceErrors() async throws {
    try await SMTPFixture.with { f in
      try await f.addUser("alice")
      let (c, _) = try await f.open()
      #expect(try await c.command("MAIL FROM:<a@remote.example>").hasPrefix("503 5.5.1"))
      _ = try await c.ehlo()
      #expect(try await c.command("RCPT TO:<alice@example.test>").hasPrefix("503 5.5.1"))
      #expect(try await c.command("DATA").hasPrefix("503 5.5.1"))
      #expect(try await c.command("MAIL FROM:<a@remote.example>") == "250 2.1.0 OK")
      #expect(try await c.command("MAIL FROM:<a@remote.example>").hasPrefix("503 5.5.1"))
      #expect(try await c.command("DATA") == "503 5.5.1 Error: need RCPT command")
      #expect(try await c.command("RCPT TO:<nobody@example.test>").hasPrefix("550 5.1.1"))
      // RFC 5321 §3.3: every recipient was refused.
      #expect(try await c.command("DATA") == "554 5.5.1 No valid recipients")
      #expect(try await c.command("RSET") == "250 2.0.0 OK")
      #expect(try await c.command("RCPT TO:<alice@example.test>").hasPrefix("503"))
    }
  }

  @Test func lineTooLongIsRefusedAndTheSessionStaysInStep() async throws {
    try await SMTPFixture.with { f in
      let (c, _) = try await f.open()
      #expect(
        try await c.command("NOOP " + String(repeating: "x", count: 2000))
          == "500 5.5.2 Error: line too long")
      // Longer than the read limit too (12,288, the SASL line length).
      #expect(
        try await c.command("NOOP " + String(repeating: "y", count: 20000)).hasPrefix("500 5.5.2"))
      #expect(try await c.command("NOOP") == "250 2.0.0 OK")
    }
  }

  @Test func twentyErrorsThenClose() async throws {
    try await SMTPFixture.with { f in
      let (c, session) = try await f.open()
      // Refusals outside 500-504 do not count.
      _ = try await c.ehlo()
      #expect(try await c.command("MAIL FROM:<a@remote.example>").hasPrefix("250"))
      for _ in 0..<25 {
        #expect(try await c.command("RCPT TO:<x@remote.example>").hasPrefix("554 5.7.1"))
      }
      for i in 1...20 {
        #expect(try await c.command("BOGUS \(i)").hasPrefix("500 5.5.2"))
      }
      #expect(try await c.command("BOGUS 21") == "421 4.7.0 Too many errors, closing connection")
      #expect(try await c.atEOF())
      await session.value
    }
  }

  @Test func pipelinedTransactionGetsEveryReplyInOrderInOneWrite() async throws {
    try await SMTPFixture.with { f in
      let alice = try await f.addUser("alice")
      let (c, session, server) = f.connect()
      _ = try await c.reply()
      let message = "Subject: pipelined\r\n\r\nbody\r\n"
      try await c.sendRaw(
        "EHLO client.example.net\r\nMAIL FROM:<s@remote.example>\r\n"
          + "RCPT TO:<alice@example.test>\r\nRCPT TO:<nobody@example.test>\r\n"
          + "BDAT \(message.utf8.count) LAST\r\n\(message)NOOP\r\nQUIT\r\n")
      var replies: [Reply] = []
      for _ in 0..<7 { replies.append(try await c.reply()) }
      #expect(replies.map(\.code) == [250, 250, 250, 550, 250, 250, 221])
      #expect(replies[4].text.hasPrefix("OK: queued as "))
      await session.value
      // The greeting, then everything else at once.
      #expect(server.writes.load(ordering: .relaxed) == 2)
      #expect(try await f.inbox(alice).count == 1)
    }
  }

  @Test func pipelinedDataGroupFlushesAt354() async throws {
    try await SMTPFixture.with { f in
      let alice = try await f.addUser("alice")
      let (c, session, server) = f.connect()
      _ = try await c.reply()
      try await c.sendRaw(
        "EHLO c.example\r\nMAIL FROM:<s@remote.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n"
      )
      #expect(try await c.reply().code == 250)
      #expect(try await c.reply().code == 250)
      #expect(try await c.reply().code == 250)
      #expect(try await c.reply().code == 354)
      #expect(server.writes.load(ordering: .relaxed) == 2)
      try await c.sendRaw("Subject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n")
      #expect(try await c.reply().code == 250)
      #expect(try await c.reply().code == 221)
      await session.value
      #expect(server.writes.load(ordering: .relaxed) == 3)
      #expect(try await f.inbox(alice).count == 1)
    }
  }

  @Test func shutdownSays421AndKeepsNothing() async throws {
    try await SMTPFixture.with { f in
      let alice = try await f.addUser("alice")
      let (c, session) = try await f.open()
      _ = try await c.ehlo()
      #expect(try await c.command("MAIL FROM:<s@remote.example>").hasPrefix("250"))
      #expect(try await c.command("RCPT TO:<alice@example.test>").hasPrefix("250"))
      #expect(try await c.command("DATA").hasPrefix("354"))
      try await c.sendRaw("Subject: half\r\n\r\nnot finished")
      session.cancel()
      #expect(try await c.replyText() == "421 4.3.2 Service shutting down")
      #expect(try await c.atEOF())
      await session.value
      #expect(try await f.inbox(alice).isEmpty)
    }
  }

  @Test func clientVanishingMidMessageKeepsNothing() async throws {
    var settings = SMTPFixture.defaultSettings
    settings.memoryMessageLimit = 1024
    try await SMTPFixture.with(settings: settings) { f in
      let alice = try await f.addUser("alice")
      let (c, session, _) = f.connect()
      _ = try await c.reply()
      _ = try await c.ehlo()
      #expect(try await c.command("MAIL FROM:<s@remote.example>").hasPrefix("250"))
      #expect(try await c.command("RCPT TO:<alice@example.test>").hasPrefix("250"))
      #expect(try await c.command("DATA").hasPrefix("354"))
      try await c.sendRaw("Subject: half\r\n\r\n" + String(repeating: "x", count: 5000))
      try await c.sendRaw("\r\n")
      #expect(try await eventually { f.spoolFiles().count == 1 })
      await c.stream.close()
      await session.value
      #expect(try await f.inbox(alice).isEmpty)
      #expect(f.spoolFiles().isEmpty)
    }
  }
}
