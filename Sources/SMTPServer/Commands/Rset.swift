/// RSET (RFC 5321 §4.1.1.5): ends the transaction; the session loop drops its message.
extension SMTPSession {
  func handleRset() {
    respond(.ok, to: .rset)
  }
}
