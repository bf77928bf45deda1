import SMTPCore

/// EHLO and HELO (RFC 5321 §4.1.1.1). Either one mid-transaction resets it.
extension SMTPSession {
  /// EHLO: the name, then the extensions this state allows. STARTTLS only before TLS and
  /// when a certificate is configured; AUTH only where `authAllowed` (never before TLS:
  /// SMTP offers no mechanism in plaintext, not even SCRAM, loopback or not). DSN only
  /// when the "delivered" notifications of local deliveries can be sent
  /// (`SMTPSettings.reportDelivered`); the rest of RFC 3461 (failure, delay and relay
  /// reports, passing the parameters on) is the outbound queue's.
  func handleEHLO(_ name: HelloName) {
    var ehlo = EHLOResponse(
      domain: hostName, pipelining: true, size: limits.maxMessageSize, eightBitMIME: true,
      smtputf8: true, enhancedStatusCodes: true, chunking: true,
      dsn: settings.reportDelivered != nil)
    ehlo.startTLS = !state.isTLS && environment.tlsContext != nil
    if authAllowed && user == nil {
      ehlo.authMechanisms = environment.authenticator.mechanisms(secure: state.isTLS)
    }
    respond(ehlo.reply, to: .ehlo(name))
  }

  /// HELO: the name alone; the session has no extensions.
  func handleHELO(_ name: HelloName) {
    respond(.helo(host: hostName), to: .helo(name))
  }

  /// Whether AUTH may be used now: on TLS only; on the MX port only when configured.
  var authAllowed: Bool {
    guard state.isTLS else { return false }
    return role != .mx || settings.allowAuthOnMX
  }
}
