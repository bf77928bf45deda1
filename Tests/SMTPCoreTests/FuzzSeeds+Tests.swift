import Foundation
import Testing

@testable import SMTPCore

/// Replays the fuzz seed corpus (Tests/Fuzz/SMTP/seeds) through the fuzz entry points, so the
/// invariants the fuzzer checks also hold in every `swift test` run.
@Suite struct FuzzSeedTests {
  static let seedDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fuzz/SMTP/seeds")

  static var seeds: [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: seedDirectory.path)) ?? []
    return names.sorted()
  }

  @Test func corpusIsThere() {
    #expect(FuzzSeedTests.seeds.count >= 10)
  }

  @Test(arguments: seeds)
  func seedHoldsInvariants(name: String) throws {
    let data = try Data(contentsOf: FuzzSeedTests.seedDirectory.appendingPathComponent(name))
    #expect(SMTPFuzzTargets.all(Array(data)) == [])
  }

  @Test func targetsCatchBrokenInputsWithoutCrashing() {
    // Arbitrary bytes must never trap; a few hand-picked nasties.
    let inputs: [[UInt8]] = [
      [], [0], [13], [10], [46], [46, 13], Array(repeating: 0xFF, count: 300),
      bytes("BDAT 999999999999999999 LAST\r\n"), bytes("MAIL FROM:<\"\\"),
      bytes("250-" + String(repeating: "x", count: 5000) + "\r\n"),
      bytes("RCPT TO:<a@[IPv6:" + String(repeating: ":", count: 60) + "]>\r\n"),
    ]
    for input in inputs {
      #expect(SMTPFuzzTargets.all(input) == [], "\(input.prefix(20))")
    }
  }
}

/// Transcripts through the fuzzers' session driver: what the server's pure layers take for a
/// command, and what they leave inside a message.
@Suite struct SessionTranscriptTests {
  func verbs(_ wire: String) -> [Command.Verb] {
    let (problems, commands) = SMTPFuzzTargets.runSession(bytes(wire))
    #expect(problems.isEmpty)
    return commands.map(\.verb)
  }

  @Test(arguments: [
    "a\n.\nMAIL FROM:<evil@x>\r\nRCPT TO:<v@y>\r\nDATA\r\nsmuggled\r\n.\r\nQUIT\r\n",
    "a\n.\r\nMAIL FROM:<evil@x>\r\nRCPT TO:<v@y>\r\nDATA\r\nsmuggled\r\n.\r\nQUIT\r\n",
    "a\r\n.\nMAIL FROM:<evil@x>\r\nRCPT TO:<v@y>\r\nDATA\r\nsmuggled\r\n.\r\nQUIT\r\n",
    "a\r.\rMAIL FROM:<evil@x>\r\nRCPT TO:<v@y>\r\nDATA\r\nsmuggled\r\n.\r\nQUIT\r\n",
    "a\r.\r\nMAIL FROM:<evil@x>\r\nRCPT TO:<v@y>\r\nDATA\r\nsmuggled\r\n.\r\nQUIT\r\n",
    "a\r\n.\rMAIL FROM:<evil@x>\r\nRCPT TO:<v@y>\r\nDATA\r\nsmuggled\r\n.\r\nQUIT\r\n",
  ])
  func smuggledCommandsStayInTheMessage(body: String) {
    let wire = "EHLO c\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<b@c.d>\r\nDATA\r\n" + body
    // The real end is the final <CRLF>.<CRLF>; only QUIT follows it.
    #expect(verbs(wire) == [.ehlo, .mail, .rcpt, .data, .quit])
  }

  @Test func pipelinedTransactionAndBDAT() {
    let wire =
      "EHLO c\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<b@c.d>\r\nDATA\r\nhi\r\n.\r\nMAIL FROM:<a@b.c>\r\n"
      + "RCPT TO:<b@c.d>\r\nBDAT 9\r\nRSET\r\nx\r\nBDAT 0 LAST\r\nQUIT\r\n"
    // The nine octets after "BDAT 9" are message, not the RSET they look like.
    #expect(verbs(wire) == [.ehlo, .mail, .rcpt, .data, .mail, .rcpt, .bdat, .bdat, .quit])
  }

  @Test func refusedBDATIsStillReadOffTheStream() {
    // No MAIL: the BDAT is refused with 503, and its 6 octets ("QUIT\r\n") are discarded.
    let wire = "EHLO c\r\nBDAT 6\r\nQUIT\r\nNOOP\r\n"
    #expect(verbs(wire) == [.ehlo, .bdat, .noop])
  }
}
