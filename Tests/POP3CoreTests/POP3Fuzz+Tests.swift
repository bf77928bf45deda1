import Foundation
import POP3Core
import Testing

/// Replays the libFuzzer seed corpus (Tests/Fuzz/POP3/seeds) through the same entry point
/// the harness calls, so every seed is checked on each `swift test` without libFuzzer.
@Suite struct POP3FuzzSeedTests {
  static let seedDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fuzz/POP3/seeds")

  static var seedNames: [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: seedDirectory.path)) ?? []).sorted()
  }

  @Test func seedCorpusIsPresent() {
    #expect(Self.seedNames.count >= 10)
  }

  @Test(arguments: seedNames)
  func seedKeepsInvariants(_ name: String) throws {
    let data = Array(try Data(contentsOf: Self.seedDirectory.appendingPathComponent(name)))
    #expect(POP3Fuzz.check(data) == [])
  }

  @Test func pseudoRandomCommandLinesKeepInvariants() {
    var rng = SplitMix64(seed: 0xF022)
    let words = [
      "USER", "PASS", "STAT", "LIST", "RETR", "DELE", "NOOP", "RSET", "QUIT", "TOP", "UIDL",
      "CAPA", "STLS", "AUTH", "APOP", "PLAIN", "1", "2", "3", "0", "-1", "99999999999999999999",
      "=", "*", "AGEAYg==", ".", "\r", "\u{0}", "é", " ",
    ]
    for _ in 0..<300 {
      var text = ""
      for _ in 0..<Int(rng.next() % 40) {
        text += words[Int(rng.next() % UInt64(words.count))]
        text += rng.next() % 3 == 0 ? "\n" : " "
      }
      #expect(POP3Fuzz.check(Array(text.utf8)) == [], "\(text)")
    }
  }
}
