/// EXPN (RFC 5321 §3.5.2): not implemented (`502 5.5.1`): mailing lists and aliases are
/// not disclosed.
extension SMTPSession {
  func handleExpn() {
    respond(.notImplemented, to: .expn(""))
  }
}
