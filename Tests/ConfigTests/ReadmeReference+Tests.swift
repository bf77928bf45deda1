import Config
import Foundation
import Testing

/// README's configuration reference is generated from the schema; this keeps
/// the two from drifting. Regenerate with `posta check-config --reference`.
@Suite struct ReadmeReferenceTests {
  @Test func readmeMatchesSchema() throws {
    let readme = URL(fileURLWithPath: #filePath)
      .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("README.md")
    let text = try String(contentsOf: readme, encoding: .utf8)
    let begin = try #require(text.range(of: "<!-- config-reference:begin -->"))
    let end = try #require(text.range(of: "<!-- config-reference:end -->"))
    let block = text[begin.upperBound..<end.lowerBound]
      .trimmingCharacters(in: .whitespacesAndNewlines)
    let expected = ConfigSchema.markdownReference()
      .trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(
      block == expected,
      "README's configuration reference is stale: paste `posta check-config --reference` between the markers"
    )
    for key in ConfigSchema.allKeys {
      #expect(block.contains("`\(key.split(separator: ".").last!)`"), "\(key) missing")
    }
  }
}
