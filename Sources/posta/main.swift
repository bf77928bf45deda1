import Glibc

// The `posta` command: subcommands from `CommandTable`, exit codes from sysexits.
let status = await PostaCLI.main(Array(CommandLine.arguments.dropFirst()))
exit(status.rawValue)
