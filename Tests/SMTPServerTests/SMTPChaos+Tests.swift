import PostaTestSupport
import SMTPCore
import Testing

@testable import SMTPServer

/// Seeded random sessions (as mox's FuzzServer replays inputs in every state): whatever a
/// client sends, every reply is well-formed and the session ends without a server error.
@Suite struct SMTPChaosTests {
  /// SplitMix64: reproducible without a global generator.
  struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
  }

  static let pieces = [
    "EHLO c.example\r\n", "HELO c.example\r\n", "MAIL FROM:<a@remote.example>\r\n",
    "MAIL FROM:<> SIZE=10 BODY=8BITMIME\r\n", "RCPT TO:<alice@example.test>\r\n",
    "RCPT TO:<Postmaster>\r\n", "RCPT TO:<x@remote.example>\r\n", "DATA\r\n",
    "Subject: s\r\n\r\nbody\r\n.\r\n", "BDAT 5\r\nhello", "BDAT 0 LAST\r\n", "BDAT 3 LAST\r\nabc",
    "RSET\r\n", "NOOP\r\n", "VRFY x\r\n", "EXPN x\r\n", "HELP\r\n", "AUTH PLAIN\r\n", "*\r\n",
    "STARTTLS\r\n", "\r\n", "junk\r\n", ".\r\n", "\n.\n", "MAIL FROM:<bad\r\n", "BDAT x\r\n",
    "RCPT TO:<a@b> NOTIFY=NEVER\r\n", "\u{7F}\u{00}\u{FF}\r\n",
  ]

  @Test(arguments: 0..<12)
  func randomSessionsStayWellFormed(seed: Int) async throws {
    try await SMTPFixture.with { f in
      try await f.addUser("alice")
      var rng = SeededGenerator(state: UInt64(seed))
      let (c, session, _) = f.connect()
      var input = ""
      for _ in 0..<60 { input += Self.pieces.randomElement(using: &rng)! }
      try await c.sendRaw(input + "QUIT\r\n")
      // Half-close: the server sees the end of its input, the client still reads.
      try #require(c.stream as? MemoryStream).outgoing.close()
      // Every reply the server wrote parses; the last one ends the session.
      var last: Reply?
      while let reply = try? await c.reply() {
        #expect((200...599).contains(reply.code))
        last = reply
      }
      await session.value
      // The session ended (QUIT, the error limit, or the end of input mid-message).
      #expect(last != nil)
      #expect(f.events("smtp-error").isEmpty)
    }
  }
}
