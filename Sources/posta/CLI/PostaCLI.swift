import Foundation
import Glibc

/// Entry point: parses the command line, prints help and usage errors, runs a command.
enum PostaCLI {
  static let version = "0.1.0"

  static func main(_ argv: [String]) async -> ExitCode {
    let parser = CommandLineParser(commands: CommandTable.all)
    let parsed: CommandLineParser.Parsed
    do {
      parsed = try parser.parse(argv, environment: ProcessInfo.processInfo.environment)
    } catch {
      printError("posta: \(error.message)")
      // The usage of the command the user was reaching for, if known.
      let known = parser.match(argv.filter { !$0.hasPrefix("-") })
      printError(known.map { "usage: \($0.usageLine)" } ?? shortUsage(parser.commands))
      return error.code
    }
    switch parsed {
    case .help(let topic):
      return help(topic, parser)
    case .run(let invocation):
      do {
        return try await invocation.command.run(invocation)
      } catch let e as CLIError {
        if e.code == .config {
          // Configuration errors are already `file:line: message` lines.
          printError(e.message.trimmingCharacters(in: .newlines))
          return e.code
        }
        printError("posta \(invocation.command.name): \(e.message)")
        if e.code == .usage { printError("usage: \(invocation.command.usageLine)") }
        return e.code
      } catch {
        printError("posta \(invocation.command.name): \(error)")
        return .failure
      }
    }
  }

  static func help(_ topic: [String], _ parser: CommandLineParser) -> ExitCode {
    if topic.isEmpty {
      printOut(overview(parser.commands))
      return .ok
    }
    if let c = parser.match(topic), c.words.count == topic.count {
      printOut(c.fullHelp)
      return .ok
    }
    let group = parser.group(topic)
    if !group.isEmpty {
      printOut(group.map { "  \($0.usageLine)\n      \($0.summary)" }.joined(separator: "\n"))
      return .ok
    }
    printError("posta: no help for '\(topic.joined(separator: " "))'")
    printError(shortUsage(parser.commands))
    return .usage
  }

  static func overview(_ commands: [Command]) -> String {
    var s = "usage: posta [--config PATH] COMMAND [ARGS]\n\n"
    s += "Posta serves SMTP, POP3 and IMAP for a few domains from one process.\n\ncommands:\n"
    for c in commands {
      s += "  \(c.name.padding(toLength: 22, withPad: " ", startingAt: 0)) \(c.summary)\n"
    }
    s += "\nglobal options:\n  --config PATH          configuration file "
    s += "(default: $POSTA_CONFIG, else etc/posta.conf)\n"
    s += "\n'posta help COMMAND' shows the usage of one command.\n"
    return s
  }

  static func shortUsage(_ commands: [Command]) -> String {
    "usage: posta [--config PATH] COMMAND [ARGS]; commands: "
      + Set(commands.map { $0.words[0] }).sorted().joined(separator: ", ")
  }
}

/// Writes a line to stdout at once (stdout may be a pipe; the buffer must not hold it).
func printOut(_ s: String) {
  writeAll(1, s.hasSuffix("\n") ? s : s + "\n")
}

/// Writes a line to stderr.
func printError(_ s: String) {
  writeAll(2, s.hasSuffix("\n") ? s : s + "\n")
}

private func writeAll(_ fd: Int32, _ s: String) {
  var bytes = Array(s.utf8)
  bytes.withUnsafeMutableBytes { raw in
    var off = 0
    while off < raw.count {
      let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
      if n <= 0 {
        if n < 0 && errno == EINTR { continue }
        return
      }
      off += n
    }
  }
}
