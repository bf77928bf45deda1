import Foundation
import Testing

@testable import DNS

/// Replays the libFuzzer seed corpus (Tests/Fuzz/DNS/seeds) through the same entry point
/// the harness calls, so every seed is checked on each `swift test` without libFuzzer.
@Suite struct DNSFuzzSeedTests {
  static let seedDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fuzz/DNS/seeds")

  static var seedNames: [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: seedDirectory.path)) ?? []).sorted()
  }

  @Test func seedCorpusIsPresent() {
    #expect(Self.seedNames.count >= 15)
  }

  @Test(arguments: seedNames)
  func seedKeepsInvariants(_ name: String) throws {
    let data = Array(try Data(contentsOf: Self.seedDirectory.appendingPathComponent(name)))
    #expect(DNSFuzz.check(data) == [])
  }

  /// The seeds that are well-formed messages must decode, the hostile ones must not.
  @Test func seedsDecodeAsTheirNamesSay() throws {
    for name in Self.seedNames where !name.hasPrefix("name-text") && name != "empty" {
      let data = Array(try Data(contentsOf: Self.seedDirectory.appendingPathComponent(name)))
      let decoded = try? DNSMessage.decode(data)
      let hostile = ["pointer-", "label-type", "name-too-long", "opt-duplicate", "truncated"]
      let shouldFail = hostile.contains { name.hasPrefix($0) }
      #expect((decoded == nil) == shouldFail, "\(name)")
    }
  }

  /// Random mutations of the seeds: flipped, inserted and deleted bytes.
  @Test func mutatedSeedsKeepInvariants() throws {
    var rng = SplitMix64(seed: 0xD25)
    let seeds = try Self.seedNames.map {
      Array(try Data(contentsOf: Self.seedDirectory.appendingPathComponent($0)))
    }
    for _ in 0..<3000 {
      var data = seeds[Int(rng.next() % UInt64(seeds.count))]
      for _ in 0..<(1 + Int(rng.next() % 4)) {
        let at = data.isEmpty ? 0 : Int(rng.next() % UInt64(data.count))
        switch rng.next() % 3 {
        case 0 where !data.isEmpty: data[at] = UInt8(truncatingIfNeeded: rng.next())
        case 1: data.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
        default: if !data.isEmpty { data.remove(at: at) }
        }
      }
      #expect(DNSFuzz.check(data) == [], "\(data)")
    }
  }
}
