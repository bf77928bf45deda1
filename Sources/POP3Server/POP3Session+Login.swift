import Auth
import Net
import POP3Core
import Storage

/// Logins: USER/PASS and AUTH, then opening (locking and snapshotting) the maildrop.
extension POP3Session {
  /// USER/PASS. The state machine has already refused it on an insecure connection.
  func login(user: String, password: String) async -> [UInt8] {
    let outcome = await environment.authenticator.verifyPlain(
      login: user, password: password, client: clientHost, mechanism: "USER")
    switch outcome {
    case .success(let account): return await openMaildrop(account, mechanism: "USER")
    case .failure(let failure): return loginFailed(failure, login: user, mechanism: "USER")
    }
  }

  /// AUTH (RFC 5034): runs the SASL exchange, challenges as `+ base64` lines. SCRAM's
  /// server signature goes out as one more challenge, answered by an empty line, before
  /// the `+OK` (RFC 5034 §4 has no room for data with success).
  /// - Throws: I/O errors, and `POP3SessionError.clientClosed` if the client goes away
  ///   in the middle.
  func login(mechanism: String, initialResponse: String?) async throws -> [UInt8] {
    var sasl: SASLSession
    do {
      sasl = try environment.authenticator.startSASL(
        mechanism: mechanism, client: clientHost, secure: state.configuration.isSecure)
    } catch {
      // The state machine offers only what the authenticator supports here.
      return loginFailed(.malformed(error.description), login: nil, mechanism: mechanism)
    }
    var step = await sasl.begin(initialResponse: initialResponse)
    while true {
      switch step {
      case .challenge(let data):
        switch try await challenge(data) {
        case .line(let text): step = await sasl.respond(text)
        case .tooLong:
          return loginFailed(.malformed("line too long"), login: nil, mechanism: mechanism)
        }
      case .success(let account, let finalData):
        if let finalData {
          switch try await challenge(finalData) {
          case .line(""): break
          case .line("*"):
            return loginFailed(.cancelled, login: account.address, mechanism: mechanism)
          case .line, .tooLong:
            return loginFailed(
              .malformed("expected an empty line after the server signature"),
              login: account.address, mechanism: mechanism)
          }
        }
        return await openMaildrop(account, mechanism: mechanism)
      case .failure(let failure):
        return loginFailed(failure, login: nil, mechanism: mechanism)
      }
    }
  }

  private enum SASLLine {
    case line(String)
    case tooLong
  }

  /// Sends one challenge and reads the client's answer (at most `POP3Limits.saslLine`).
  /// A line that is neither base64 nor `*` is passed on as it is, so the SASL layer
  /// fails it as malformed (counted and delayed like any failed login).
  private func challenge(_ data: [UInt8]) async throws -> SASLLine {
    queue(POP3Response.continuation(SASLSession.encode(data)).encoded(limits: limits))
    try await flush()
    let line = try await reader.readLine(
      limit: limits.saslLine, deadline: .now + limits.idleTimeout)
    switch line {
    case .eof:
      throw POP3SessionError.clientClosed
    case .tooLong:
      return .tooLong
    case .line(let bytes, _):
      do {
        return .line(try POP3SASLResponse.parse(bytes, limits: limits).text)
      } catch {
        return .line(String(decoding: bytes, as: UTF8.self))
      }
    }
  }

  /// After a successful login: takes the maildrop lock (RFC 1939 §8), snapshots the INBOX
  /// and measures what is not measured yet, then enters TRANSACTION.
  private func openMaildrop(_ user: AuthenticatedUser, mechanism: String) async -> [UInt8] {
    let account = AccountID(user.accountID)
    let store = environment.store
    guard let lock = store.lockPOP3(account) else {
      logLogin(failed: "in-use", login: user.address, mechanism: mechanism)
      return state.authenticationFailed(.inUse)
    }
    let snapshot: POP3Snapshot
    let sizes: [Int]
    do {
      snapshot = try await store.pop3Snapshot(account)
      sizes = try await environment.sizes.sizes(of: snapshot, store: store)
    } catch {
      lock.release()
      logger.error("pop3-maildrop-failed", ("login", user.address), ("error", "\(error)"))
      logLogin(failed: "maildrop", login: user.address, mechanism: mechanism)
      if case .mailboxNotFound = error {
        return state.authenticationFailed(.permanent("the account has no INBOX"))
      }
      return state.authenticationFailed(.temporary("the maildrop cannot be read now"))
    }
    let messages = zip(snapshot.messages, sizes).map { message, size in
      POP3Maildrop.Message(uid: message.uid, size: size)
    }
    let drop = POP3Maildrop(uidValidity: snapshot.uidValidity, messages: messages)
    maildrop = OpenMaildrop(
      account: account, address: user.address, snapshot: snapshot, lock: lock,
      seen: SeenMarker(store: store, mailbox: snapshot.mailbox, logger: logger))
    var fields = [
      ("result", "ok"), ("login", user.address), ("mech", mechanism),
      ("messages", "\(drop.count)"), ("octets", "\(drop.size)"),
    ]
    if let app = user.appPassword { fields.append(("app-password", app.name)) }
    logger.log(.info, "pop3-login", fields)
    return state.authenticationSucceeded(maildrop: drop)
  }

  /// Logs a failed login and returns the reply. Unknown users and wrong passwords are one
  /// `invalidCredentials` by the time they get here, so the reply cannot tell them apart.
  private func loginFailed(_ failure: AuthFailure, login: String?, mechanism: String) -> [UInt8] {
    let (reason, reply): (String, POP3LoginFailure) =
      switch failure {
      case .invalidCredentials: ("auth", .invalidCredentials)
      case .malformed(let detail): ("malformed", .malformed(detail))
      case .cancelled: ("cancelled", .cancelled)
      case .temporary(let detail): ("temporary", .temporary(detail))
      }
    logLogin(failed: reason, login: login, mechanism: mechanism)
    return state.authenticationFailed(reply)
  }

  private func logLogin(failed reason: String, login: String?, mechanism: String) {
    var fields = [("result", "failed")]
    // Login names are the client's text: bounded so a log line stays one short line.
    if let login { fields.append(("login", String(login.prefix(128)))) }
    fields += [("mech", mechanism), ("reason", reason)]
    logger.log(.info, "pop3-login", fields)
  }
}
