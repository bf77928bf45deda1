/// VRFY (RFC 5321 §3.5.3): `252`, never saying whether a user exists (no address probing).
extension SMTPSession {
  func handleVrfy() {
    respond(.cannotVerify, to: .vrfy(""))
  }
}
