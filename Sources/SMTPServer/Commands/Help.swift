/// HELP (RFC 5321 §4.1.1.8): one line naming the commands, whatever the argument.
extension SMTPSession {
  func handleHelp() {
    respond(.help, to: .help(nil))
  }
}
