import Crypto

/// One SASL exchange (RFC 4422), fed the client's base64 lines; the same code serves SMTP
/// AUTH (RFC 4954), POP3 AUTH (RFC 5034) and IMAP AUTHENTICATE (RFC 9051, SASL-IR RFC 4959).
///
/// The protocol calls `begin(initialResponse:)` once, then `respond(_:)` with each line
/// (CRLF removed) while the step is `.challenge`. Lines are strict base64; `*` cancels
/// (not counted as a failure); a line over `AuthPolicy.maxResponseLength` fails.
/// Create one with `Authenticator.startSASL`.
public struct SASLSession: Sendable {
  /// The mechanism being run.
  public let mechanism: SASLMechanism
  private let authenticator: Authenticator
  private let client: String
  private var state = State.initial

  private struct SCRAMExchange: Sendable {
    let account: Authenticator.SCRAMAccount
    let pending: SCRAMServer.Pending
  }

  private enum State: Sendable {
    case initial
    case awaitingPlain
    case awaitingUsername
    case awaitingPassword(username: String)
    case awaitingClientFirst
    case awaitingClientFinal(SCRAMExchange)
    case finished
  }

  init(mechanism: SASLMechanism, authenticator: Authenticator, client: String) {
    self.mechanism = mechanism
    self.authenticator = authenticator
    self.client = client
  }

  /// Base64 for a challenge or final data, as the protocol line carries it (empty data
  /// is an empty string: SMTP `334 `, IMAP and POP3 `+ `).
  public static func encode(_ data: [UInt8]) -> String { Base64.encode(data) }

  /// Starts the exchange. `initialResponse` is the base64 the client put on the command
  /// line (SMTP `AUTH PLAIN xxx`, POP3 `AUTH PLAIN xxx`, IMAP SASL-IR), `=` for an empty
  /// one, or nil when there was none.
  public mutating func begin(initialResponse: String?) async -> SASLStep {
    guard case .initial = state else { return .failure(.malformed("exchange already started")) }
    switch mechanism {
    case .plain: state = .awaitingPlain
    case .login: state = .awaitingUsername
    case .scramSHA256: state = .awaitingClientFirst
    }
    guard let initialResponse else {
      // LOGIN's prompts are customary text; PLAIN and SCRAM start with an empty challenge.
      return .challenge(mechanism == .login ? Array("Username:".utf8) : [])
    }
    // RFC 4954 §4, RFC 5034 §4, RFC 4959 §3: "=" is an empty initial response.
    if initialResponse == "=" { return await step([]) }
    return await respond(initialResponse)
  }

  /// Feeds the client's next line (without CRLF).
  public mutating func respond(_ line: String) async -> SASLStep {
    switch state {
    case .finished: return .failure(.malformed("the exchange is already over"))
    case .initial: return .failure(.malformed("the exchange has not begun"))
    default: break
    }
    // RFC 4954 §4, RFC 5034 §4, RFC 9051 §6.2.2: "*" cancels; not a failed login.
    if line == "*" {
      state = .finished
      return .failure(.cancelled)
    }
    guard line.utf8.count <= authenticator.policy.maxResponseLength else {
      return await malformed(
        "response longer than \(authenticator.policy.maxResponseLength) octets")
    }
    let data: [UInt8]
    do {
      data = try Base64.decode(line)
    } catch {
      return await malformed("invalid base64: \(error)")
    }
    return await step(data)
  }

  private mutating func step(_ data: [UInt8]) async -> SASLStep {
    switch state {
    case .awaitingPlain:
      state = .finished
      let message: PlainMessage
      do {
        message = try PlainMessage.parse(data)
      } catch {
        return await malformed(error)
      }
      // RFC 4616 §2: acting as someone else is not supported; authzid must be empty or
      // the same account.
      let authzidMatches =
        message.authzid.isEmpty || authenticator.sameLogin(message.authzid, message.authcid)
      return Self.step(
        await authenticator.verifyPassword(
          rawLogin: message.authcid, password: message.password, client: client,
          mechanism: mechanism.rawValue, authzidMatches: authzidMatches))

    case .awaitingUsername:
      guard let username = String(validating: data, as: UTF8.self) else {
        return await malformed("LOGIN user name is not UTF-8")
      }
      state = .awaitingPassword(username: username)
      return .challenge(Array("Password:".utf8))

    case .awaitingPassword(let username):
      state = .finished
      return Self.step(
        await authenticator.verifyPassword(
          rawLogin: username, password: data, client: client, mechanism: mechanism.rawValue))

    case .awaitingClientFirst:
      let clientFirst: SCRAMServer.ClientFirst
      do {
        clientFirst = try SCRAMServer.parseClientFirst(data)
      } catch {
        return await malformed(error)
      }
      let account: Authenticator.SCRAMAccount
      switch await authenticator.scramAccount(rawLogin: clientFirst.username, client: client) {
      case .success(let found): account = found
      case .failure(let failure):
        state = .finished
        return .failure(failure)
      }
      guard let nonce = authenticator.makeServerNonce() else {
        state = .finished
        return .failure(.temporary("no random bytes for a nonce"))
      }
      let pending = SCRAMServer.serverFirst(
        clientFirst, serverNonce: nonce, parameters: account.parameters)
      state = .awaitingClientFinal(SCRAMExchange(account: account, pending: pending))
      return .challenge(Array(pending.serverFirst.utf8))

    case .awaitingClientFinal(let exchange):
      state = .finished
      return await authenticator.finishSCRAM(
        data, account: exchange.account, pending: exchange.pending, client: client)

    case .initial, .finished:
      return .failure(.malformed("no response expected"))
    }
  }

  private static func step(_ outcome: AuthOutcome) -> SASLStep {
    switch outcome {
    case .success(let user): .success(user, finalData: nil)
    case .failure(let failure): .failure(failure)
    }
  }

  private mutating func malformed(_ detail: String) async -> SASLStep {
    await malformed(.malformed(detail))
  }

  /// A syntax failure ends the exchange; it is counted, logged and delayed like a wrong
  /// password, under the login name if one was given.
  private mutating func malformed(_ failure: AuthFailure) async -> SASLStep {
    var login: String?
    if case .awaitingPassword(let username) = state { login = username }
    if case .awaitingClientFinal(let exchange) = state {
      login = exchange.pending.clientFirst.username
    }
    state = .finished
    let attempt = authenticator.attempt(
      client: client, rawLogin: login, mechanism: mechanism.rawValue)
    return .failure(await authenticator.reject(attempt, reason: "malformed", failure: failure))
  }
}
