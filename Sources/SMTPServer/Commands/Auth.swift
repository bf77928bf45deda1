import Auth
import SMTPCore

/// AUTH (RFC 4954): a SASL exchange of `334` challenges (base64 only) and client lines,
/// ended by `235 2.7.0` or a failure reply. PLAIN, LOGIN and SCRAM-SHA-256 come from the
/// Auth module; SCRAM's server signature goes out as one more `334`, answered by an
/// empty line, before the `235`.
extension SMTPSession {
  func handleAuth(mechanism: String, initialResponse: Command.InitialResponse?) async throws {
    let command = Command.auth(mechanism: mechanism, initialResponse: initialResponse)
    guard authAllowed else {
      if role != .mx && !state.isTLS {
        respond(.startTLSRequired, to: command)
      } else {
        respond(.badSequence("Error: authentication not enabled"), to: command)
      }
      return
    }
    var sasl: SASLSession
    do {
      sasl = try environment.authenticator.startSASL(
        mechanism: mechanism, client: clientHost, secure: state.isTLS)
    } catch {
      switch error {
      case .unsupportedMechanism: respond(.unrecognizedAuthMechanism, to: command)
      case .encryptionRequired: respond(.encryptionRequired, to: command)
      }
      return
    }
    let initial: String? =
      switch initialResponse {
      case nil: nil
      case .empty?: "="
      case .base64(let text)?: text
      }
    var step = await sasl.begin(initialResponse: initial)
    while true {
      switch step {
      case .challenge(let data):
        guard let line = try await challenge(data) else {
          respond(.lineTooLong, to: command)
          return
        }
        step = await sasl.respond(line)
      case .success(let account, let finalData):
        if let finalData {
          switch try await challenge(finalData) {
          case ""?: break
          case "*"?:
            loginFailed(.cancelled, command: command, mechanism: sasl.mechanism.rawValue)
            return
          default:
            loginFailed(
              .malformed("expected an empty line after the server signature"), command: command,
              mechanism: sasl.mechanism.rawValue)
            return
          }
        }
        user = account
        var fields = [
          ("result", "ok"), ("login", account.address), ("mech", sasl.mechanism.rawValue),
        ]
        if let app = account.appPassword { fields.append(("app-password", app.name)) }
        logger.log(.info, "smtp-login", fields)
        respond(.authSucceeded, to: command)
        return
      case .failure(let failure):
        loginFailed(failure, command: command, mechanism: sasl.mechanism.rawValue)
        return
      }
    }
  }

  /// Sends a `334` challenge and reads the client's line (at most
  /// `SMTPLimits.saslLineLength`); nil when the line was too long.
  private func challenge(_ data: [UInt8]) async throws -> String? {
    queue(.authChallenge(SASLSession.encode(data)))
    try await flush()
    switch try await reader.readLine(limit: limits.saslLineLength, deadline: idleDeadline) {
    case .eof: throw SMTPSessionError.clientClosed
    case .tooLong: return nil
    case .line(let bytes, _):
      var text = bytes
      while let last = text.last, last == 0x20 || last == 0x09 { text.removeLast() }
      return String(decoding: text, as: UTF8.self)
    }
  }

  /// Replies to a failed login (RFC 4954 §6) and logs it; the Auth module has already
  /// counted it, delayed the answer and written its fail2ban line.
  private func loginFailed(_ failure: AuthFailure, command: Command, mechanism: String) {
    let reply: Reply
    let reason: String
    switch failure {
    case .invalidCredentials:
      (reply, reason) = (.authFailed, "auth")
    case .malformed:
      (reply, reason) = (
        .cannotDecodeBase64.with(text: "Malformed authentication response"), "malformed"
      )
    case .cancelled:
      (reply, reason) = (.authCancelled, "cancelled")
    case .temporary:
      (reply, reason) = (.authTemporaryFailure, "temporary")
    }
    logger.log(
      .info, "smtp-login", [("result", "failed"), ("mech", mechanism), ("reason", reason)])
    respond(reply, to: command)
  }
}
