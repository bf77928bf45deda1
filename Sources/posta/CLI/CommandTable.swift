/// Every subcommand, in the order `posta help` lists them.
enum CommandTable {
  static let all: [Command] = [
    ServeCommand.command,
    CheckConfigCommand.command,
    HoldCommand.command,
    DomainCommands.list,
    UserCommands.add,
    UserCommands.del,
    UserCommands.passwd,
    UserCommands.list,
    UserCommands.quota,
    AppPasswordCommands.add,
    AppPasswordCommands.list,
    AppPasswordCommands.revoke,
    AliasCommands.add,
    AliasCommands.del,
    AliasCommands.list,
    QueueCommands.list,
    QueueCommands.show,
    QueueCommands.retry,
    QueueCommands.delete,
    DNSCommands.dns,
    DNSCommands.rotate,
    BackupCommand.command,
    VersionCommand.command,
  ]
}
