/// Splits a command line into a command, its options and arguments.
///
/// `--config PATH` (or `--config=PATH`) is global and may stand anywhere;
/// `--` ends option parsing.
struct CommandLineParser {
  let commands: [Command]

  enum Parsed {
    case help(topic: [String])
    case run(Invocation)
  }

  func parse(_ argv: [String], environment: [String: String]) throws(CLIError) -> Parsed {
    var config: String? = nil
    var rest: [String] = []
    var wantsHelp = false
    var i = 0
    var onlyPositional = false
    while i < argv.count {
      let a = argv[i]
      i += 1
      if onlyPositional {
        rest.append(a)
      } else if a == "--" {
        onlyPositional = true
        rest.append(a)
      } else if a == "--config" {
        guard i < argv.count else { throw CLIError(.usage, "--config needs a path") }
        config = argv[i]
        i += 1
      } else if a.hasPrefix("--config=") {
        config = String(a.dropFirst("--config=".count))
      } else if a == "--help" || a == "-h" {
        wantsHelp = true
      } else {
        rest.append(a)
      }
    }
    let configPath = config ?? environment["POSTA_CONFIG"] ?? "etc/posta.conf"
    if configPath.isEmpty { throw CLIError(.usage, "--config needs a path") }

    if rest.first == "help" {
      return .help(topic: Array(rest.dropFirst()).filter { $0 != "--" })
    }
    if rest.isEmpty {
      if wantsHelp { return .help(topic: []) }
      throw CLIError(.usage, "no command given")
    }
    guard let command = match(rest) else {
      throw CLIError(.usage, "unknown command '\(rest.prefix(2).joined(separator: " "))'")
    }
    if wantsHelp { return .help(topic: command.words) }
    let args = Array(rest.dropFirst(command.words.count))
    return .run(try bind(command, args, configPath: configPath))
  }

  /// The longest command whose words prefix the arguments.
  func match(_ words: [String]) -> Command? {
    commands.filter { c in
      c.words.count <= words.count && Array(words.prefix(c.words.count)) == c.words
    }.max { $0.words.count < $1.words.count }
  }

  /// Commands whose first words are `prefix` (for `posta help user`).
  func group(_ prefix: [String]) -> [Command] {
    commands.filter { Array($0.words.prefix(prefix.count)) == prefix }
  }

  private func bind(_ c: Command, _ args: [String], configPath: String) throws(CLIError)
    -> Invocation
  {
    var flags = Set<String>()
    var values: [String: String] = [:]
    var positional: [String] = []
    var i = 0
    var onlyPositional = false
    while i < args.count {
      let a = args[i]
      i += 1
      if onlyPositional || !a.hasPrefix("--") || a == "-" {
        if a == "--" && !onlyPositional {
          onlyPositional = true
          continue
        }
        positional.append(a)
        continue
      }
      if a == "--" {
        onlyPositional = true
        continue
      }
      var name = String(a.dropFirst(2))
      var inline: String? = nil
      if let eq = name.firstIndex(of: "=") {
        inline = String(name[name.index(after: eq)...])
        name = String(name[..<eq])
      }
      guard let opt = c.options.first(where: { $0.name == name }) else {
        throw CLIError(.usage, "\(c.name): unknown option --\(name)")
      }
      if opt.takesValue {
        if let v = inline {
          values[name] = v
        } else {
          guard i < args.count else { throw CLIError(.usage, "\(c.name): --\(name) needs a value") }
          values[name] = args[i]
          i += 1
        }
      } else {
        if inline != nil { throw CLIError(.usage, "\(c.name): --\(name) takes no value") }
        flags.insert(name)
      }
    }
    guard c.positional.contains(positional.count) else {
      let want =
        c.positional.lowerBound == c.positional.upperBound
        ? "\(c.positional.lowerBound)"
        : c.positional.upperBound == Int.max
          ? "at least \(c.positional.lowerBound)"
          : "\(c.positional.lowerBound) to \(c.positional.upperBound)"
      throw CLIError(
        .usage, "\(c.name): expected \(want) argument(s), got \(positional.count)")
    }
    return Invocation(
      command: c, arguments: positional, flags: flags, values: values, configPath: configPath)
  }
}
