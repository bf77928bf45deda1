import SMTPCore
import TLS

/// STARTTLS (RFC 3207): `220`, the handshake, and a session that starts over from EHLO.
extension SMTPSession {
  func handleStartTLS() async throws {
    guard let provider = environment.tlsContext else {
      respond(.tlsNotAvailable, to: .starttls)
      return
    }
    // RFC 3207 §4.2: the state machine forgets EHLO, the transaction and any login.
    respond(.readyToStartTLS, to: .starttls)
    try await flush()
    // Anything pipelined behind STARTTLS came in plaintext: it must never run under TLS
    // (the CVE-2011-0411 command injection).
    reader.discardBuffered()
    let secured: TLSStream
    do {
      secured = try await TLSStream.accept(over: stream, context: provider())
    } catch {
      throw SMTPSessionError.tls(error)
    }
    reader.replace(stream: secured)
    stream = secured
    tls = (secured.protocolVersion, secured.cipher)
    hostName = settings.greetingName(serverName: secured.serverName)
    user = nil
    logger.debug(
      "smtp-tls", ("version", secured.protocolVersion), ("cipher", secured.cipher),
      ("sni", secured.serverName ?? "-"))
  }
}
