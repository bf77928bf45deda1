import Foundation
import Testing

/// Replays the libFuzzer seed corpora (Tests/Fuzz/MIME/seeds) through the same entry points the
/// harnesses call, so every seed is checked on each `swift test` without libFuzzer.
@Suite struct FuzzSeedsTests {
  static let seedRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fuzz/MIME/seeds")

  static func seeds(_ target: String) -> [URL] {
    let dir = seedRoot.appendingPathComponent(target)
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
    return names.sorted().map { dir.appendingPathComponent($0) }
  }

  static func entryPoint(_ target: String) -> (([UInt8]) -> [String])? {
    switch target {
    case "message": FuzzBodies.message
    case "headerValues": FuzzBodies.headerValues
    case "decoders": FuzzBodies.decoders
    case "section": FuzzBodies.section
    default: nil
    }
  }

  @Test(arguments: ["message", "headerValues", "decoders", "section"])
  func seedsKeepInvariants(_ target: String) throws {
    let files = Self.seeds(target)
    #expect(files.count >= 10, "seed directory for \(target) is missing or thin")
    let run = try #require(Self.entryPoint(target))
    for file in files {
      let data = Array(try Data(contentsOf: file))
      #expect(run(data) == [], "\(target)/\(file.lastPathComponent)")
      // Every seed also goes through the whole-message path.
      #expect(FuzzBodies.message(data) == [], "message path: \(target)/\(file.lastPathComponent)")
    }
  }

  @Test(arguments: Corpus.names)
  func corpusMessagesKeepInvariants(_ name: String) {
    #expect(FuzzBodies.message(Corpus.message(name)) == [])
  }
}
