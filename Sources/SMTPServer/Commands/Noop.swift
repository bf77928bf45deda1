/// NOOP (RFC 5321 §4.1.1.9): any argument is ignored.
extension SMTPSession {
  func handleNoop() {
    respond(.ok, to: .noop(nil))
  }
}
