/// One subcommand: its words (`["user", "add"]`), what it takes, and what it does.
///
/// Every command declares its options and positional arguments here, so usage
/// text and argument checking come from one place.
struct Command: Sendable {
  /// An option a command accepts: `--name` (flag) or `--name VALUE`.
  struct Option: Sendable {
    let name: String
    let takesValue: Bool
    let help: String
    static func flag(_ name: String, _ help: String) -> Option {
      Option(name: name, takesValue: false, help: help)
    }
    static func value(_ name: String, _ help: String) -> Option {
      Option(name: name, takesValue: true, help: help)
    }
  }

  let words: [String]
  /// Positional arguments as shown in usage, e.g. `ADDRESS [DOMAIN]`.
  let arguments: String
  let positional: ClosedRange<Int>
  let options: [Option]
  let summary: String
  let help: String
  let run: @Sendable (Invocation) async throws -> ExitCode

  init(
    _ words: String, arguments: String = "", positional: ClosedRange<Int> = 0...0,
    options: [Option] = [], summary: String, help: String = "",
    run: @escaping @Sendable (Invocation) async throws -> ExitCode
  ) {
    self.words = words.split(separator: " ").map(String.init)
    self.arguments = arguments
    self.positional = positional
    self.options = options
    self.summary = summary
    self.help = help
    self.run = run
  }

  var name: String { words.joined(separator: " ") }

  var usageLine: String {
    var s = "posta \(name)"
    for o in options { s += o.takesValue ? " [--\(o.name) VALUE]" : " [--\(o.name)]" }
    if !arguments.isEmpty { s += " \(arguments)" }
    return s
  }

  var fullHelp: String {
    var s = "usage: \(usageLine)\n\n\(summary)\n"
    if !help.isEmpty { s += "\n\(help)\n" }
    if !options.isEmpty {
      s += "\noptions:\n"
      for o in options {
        let left = o.takesValue ? "--\(o.name) VALUE" : "--\(o.name)"
        s += "  \(left.padding(toLength: 24, withPad: " ", startingAt: 0)) \(o.help)\n"
      }
    }
    s += "\nglobal options:\n  --config PATH            configuration file "
    s += "(default: $POSTA_CONFIG, else etc/posta.conf)\n"
    return s
  }
}

/// What a command receives: its arguments and the resolved config path.
struct Invocation: Sendable {
  let command: Command
  let arguments: [String]
  let flags: Set<String>
  let values: [String: String]
  let configPath: String
}
