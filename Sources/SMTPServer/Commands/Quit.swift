/// QUIT (RFC 5321 §4.1.1.10): `221`, then the connection closes; a transaction in progress
/// is dropped.
extension SMTPSession {
  func handleQuit() {
    respond(.closing(host: hostName), to: .quit)
  }
}
