import Foundation
import SMTPCore
import Storage
import Testing

@testable import SMTPServer

/// DATA framing (smuggling, byte-by-byte input) and BDAT chunking.
@Suite struct SMTPDataTests {
  /// RFC 5321 §4.1.1.4 and the 2023 smuggling reports: only `<CRLF>.<CRLF>` ends the data.
  /// A message with a bare-LF or bare-CR "end" is refused with 550 5.6.0 after the real
  /// end, and what followed the fake end never runs as commands.
  @Test(arguments: ["\n.\n", "\n.\r\n", "\r\n.\n", "\r.\r", "\r.\r\n", "\n.\r", "\r\n.\r"])
  func smugglingSequencesAreRefusedAfterTheRealEnd(_ fakeEnd: String) async throws {
    try await SMTPFixture.with { f in
      let alice = try await f.addUser("alice")
      let (c, _) = try await f.open()
      _ = try await c.ehlo()
      #expect(try await c.command("MAIL FROM:<s@remote.example>").hasPrefix("250"))
      #expect(try await c.command("RCPT TO:<alice@example.test>").hasPrefix("250"))
      #expect(try await c.command("DATA").hasPrefix("354"))
      try await c.sendRaw(
        "Subject: innocent\r\n\r\nbefore" + fakeEnd
          + "MAIL FROM:<evil@remote.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n"
          + "Subject: smuggled\r\n\r\nevil\r\n.\r\n")
      #expect(
        try await c.replyText()
          == "550 5.6.0 Message contains bare CR or LF; lines must end with CRLF")
      // The next reply is NOOP's: nothing of the message ran.
      #expect(try await c.command("NOOP") == "250 2.0.0 OK")
      #expect(try await f.inbox(alice).isEmpty)
      #expect(f.events("smtp-rejected").contains { $0.contains("reason=\"bare CR or LF\"") })
    }
  }

  @Test func messageSentOneByteAtATime() async throws {
    try await SMTPFixture.with { f in
      let alice = try await f.addUser("alice")
      let (c, _) = try await f.open()
      _ = try await c.ehlo()
      #expect(try await c.command("MAIL FROM:<s@remote.example>").hasPrefix("250"))
      #expect(try await c.command("RCPT TO:<alice@example.test>").hasPrefix("250"))
      #expect(try await c.command("DATA").hasPrefix("354"))
      let message = "Subject: drip\r\n\r\n.hidden dot\r\n..two\r\nend\r\n"
      for byte in DotStuffer.encode(Array(message.utf8)) + Array("NOOP\r\n".utf8) {
        try await c.sendRaw([byte])
        await Task.yield()
      }
      #expect(try await c.reply().code == 250)
      #expect(try await c.replyText() == "250 2.0.0 OK")
      let stored = try #require(try await f.inboxText(alice).first)
      #expect(Sample.stripTrace(stored) == message)
    }
  }

  @Test func emptyMessage() async throws {
    try await SMTPFixture.with { f in
      let alice = try await f.addUser("alice")
      let (c, _) = try await f.open()
      _ = try await c.ehlo()
      #expect(try await c.command("MAIL FROM:<s@remote.example>").hasPrefix("250"))
      #expect(try await c.command("RCPT TO:<alice@example.test>").hasPrefix("250"))
      #expect(try await c.command("DATA").hasPrefix("354"))
      #expect(try await c.command(".").hasPrefix("250 2.0.0"))
      let stored = try #require(try await f.inboxText(alice).first)
      #expect(Sample.stripTrace(stored) == "")
    }
  }

  @Test func bdatChunksIncludingAnEmptyLastOne() async throws {
    try await SMTPFixture.with { f in
      let alice = try await f.addUser("alice")
      let (c, _) = try await f.open()
      _ = try await c.ehlo()
      #expect(try await c.command("MAIL FROM:<s@remote.example>").hasPrefix("250"))
      #expect(try await c.command("RCPT TO:<alice@example.test>").hasPrefix("250"))
      let part1 = "Subject: chunks\r\n\r\n.no stuffing\r\n"
      let part2 = "bare\nLF is fine in BDAT\r\n.\r\n"
      try await c.sendRaw("BDAT \(part1.utf8.count)\r\n\(part1)")
      #expect(try await c.replyText() == "250 2.0.0 \(part1.utf8.count) octets received")
      try await c.sendRaw("BDAT \(part2.utf8.count)\r\n\(part2)BDAT 0\r\n")
      #expect(try await c.reply().code == 250)
      #expect(try await c.replyText() == "250 2.0.0 0 octets received")
      #expect(try await c.command("DATA").hasPrefix("503 5.5.1"), "DATA during BDAT")
      #expect(try await c.command("BDAT 0 LAST").hasPrefix("250 2.0.0 OK: queued as "))
      let stored = try #require(try await f.inboxText(alice).first)
      #expect(Sample.stripTrace(stored) == part1 + part2)
      // A whole message in one chunk.
      #expect(try await c.command("MAIL FROM:<s@remote.example>").hasPrefix("250"))
      #expect(try await c.command("RCPT TO:<alice@example.test>").hasPrefix("250"))
      try await c.sendRaw("BDAT \(part1.utf8.count) LAST\r\n\(part1)")
      #expect(try await c.reply().code == 250)
      #expect(try await f.inbox(alice).count == 2)
    }
  }

  @Test func refusedChunksAreReadAndDropped() async throws {
    var settings = SMTPFixture.defaultSettings
    settings.maxMessageSize = 100
    try await SMTPFixture.with(settings: settings) { f in
      let alice = try await f.addUser("alice")
      let (c, _) = try await f.open()
      _ = try await c.ehlo()
      // Before MAIL: 503, and the chunk's bytes (which look like commands) are dropped.
      let sneaky = "RSET\r\nQUIT\r\n"
      try await c.sendRaw("BDAT \(sneaky.utf8.count)\r\n\(sneaky)")
      #expect(try await c.replyText() == "503 5.5.1 Error: need MAIL command")
      #expect(try await c.command("NOOP") == "250 2.0.0 OK")
      // Every recipient refused: 554, chunk dropped.
      #expect(try await c.command("MAIL FROM:<s@remote.example>").hasPrefix("250"))
      #expect(try await c.command("RCPT TO:<nobody@example.test>").hasPrefix("550"))
      try await c.sendRaw("BDAT \(sneaky.utf8.count) LAST\r\n\(sneaky)")
      #expect(try await c.replyText() == "554 5.5.1 No valid recipients")
      #expect(try await c.command("RSET") == "250 2.0.0 OK")
      // Over the size limit: 552 at that chunk, the transaction ends, later chunks 503.
      #expect(try await c.command("MAIL FROM:<s@remote.example>").hasPrefix("250"))
      #expect(try await c.command("RCPT TO:<alice@example.test>").hasPrefix("250"))
      let sixty = String(repeating: "x", count: 58) + "\r\n"
      try await c.sendRaw("BDAT 60\r\n\(sixty)BDAT 60\r\n\(sixty)BDAT 4 LAST\r\nQUIT")
      #expect(try await c.reply().code == 250)
      #expect(try await c.replyText().hasPrefix("552 5.3.4"))
      #expect(try await c.replyText().hasPrefix("503 5.5.1"))
      #expect(try await c.command("NOOP") == "250 2.0.0 OK")
      #expect(try await f.inbox(alice).isEmpty)
    }
  }
}
