/// Every subcommand, in the order `posta help` lists them.
enum CommandTable {
  static let all: [Command] = [
    ServeCommand.command,
    CheckConfigCommand.command,
    HoldCommand.command,
    VersionCommand.command,
  ]
}
