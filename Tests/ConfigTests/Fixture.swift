@testable import Config

/// Shared helpers: parse text as `posta.conf` in `/srv/posta/etc` on a machine named
/// `mail.example.test`, so results never depend on the machine the tests run on.
enum Fixture {
  static let directory = "/srv/posta/etc"
  static let systemHostName = "mail.example.test"
  /// A domain entry to append where a test is about something else.
  static let domain = "[[domain]]\nname = \"example.test\"\n"

  static func parse(_ text: String) throws(ConfigErrors) -> PostaConfig {
    try PostaConfig.parse(
      text: text, file: "posta.conf", directory: directory, systemHostName: systemHostName)
  }

  /// The `file:line: message` lines for `text`, or [] if it is valid.
  static func errors(_ text: String) -> [String] {
    do {
      _ = try parse(text)
      return []
    } catch {
      return error.errors.map(\.description)
    }
  }

  /// The parsed tree and syntax problems, bypassing the schema.
  static func toml(_ text: String) -> (root: TOMLTable, problems: [String]) {
    let (root, problems) = TOMLParser.parse(Array(text.utf8))
    return (root, problems.map { "\($0.line ?? 0): \($0.message)" })
  }
}
