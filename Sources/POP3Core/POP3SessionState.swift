/// The POP3 session as a pure state machine (RFC 1939 §3): AUTHORIZATION → TRANSACTION →
/// UPDATE, with the login and the TLS upgrade as steps the server performs in between.
///
/// The server sends `greeting`, then for each line calls `receive(line:)` (or
/// `lineTooLong()` when the Net layer reports an over-long line) and performs the returned
/// `POP3Action`. Actions that need the outside world (checking a password, streaming a
/// message, expunging) come back through `authenticationSucceeded(maildrop:)`,
/// `authenticationFailed(_:)`, `tlsStarted()` and `updateFinished(succeeded:)`.
///
/// A session that ends without QUIT in TRANSACTION (dropped connection, timeout) never
/// produced an `.update` action, so nothing is deleted (RFC 1939 §6).
public struct POP3SessionState: Sendable {
  /// Where the session is.
  public enum Phase: Sendable, Hashable {
    /// RFC 1939 §4: waiting for USER/PASS, AUTH, STLS, CAPA or QUIT.
    case authorization
    /// The server is checking a PASS or running an AUTH exchange.
    case authenticating
    /// RFC 1939 §5: logged in, maildrop locked.
    case transaction
    /// RFC 1939 §6: QUIT received; the server is expunging.
    case update
    /// Nothing more to do; the server closes the connection.
    case closed
  }

  /// Where the session is.
  public private(set) var phase = Phase.authorization
  /// The connection's properties (`isTLS` turns true after `tlsStarted()`).
  public private(set) var configuration: POP3SessionConfiguration
  /// The snapshot being worked on, from login to the end of the session.
  public private(set) var maildrop: POP3Maildrop?
  /// The name of an accepted USER awaiting its PASS.
  public private(set) var pendingUser: String?

  /// A session in AUTHORIZATION.
  public init(configuration: POP3SessionConfiguration) {
    self.configuration = configuration
  }

  /// The `+OK` greeting to send on connect.
  public var greeting: [UInt8] { encode(.ok(configuration.greeting)) }

  /// Parses `line` (without terminator) and handles the command; a parse error becomes
  /// its `-ERR` reply.
  public mutating func receive(line: some Collection<UInt8>) -> POP3Action {
    do {
      return handle(try POP3Command.parse(line, limits: configuration.limits))
    } catch {
      return .reply(encode(error.response))
    }
  }

  /// The reply to a line the Net layer found longer than `POP3Limits.commandLine` (it
  /// discards the rest of the line, so the session stays in step).
  public func lineTooLong() -> POP3Action {
    .reply(encode(POP3ParseError.lineTooLong(limit: configuration.limits.commandLine).response))
  }

  /// Handles one parsed command.
  public mutating func handle(_ command: POP3Command) -> POP3Action {
    switch phase {
    case .authorization: authorization(command)
    case .transaction: transaction(command)
    case .authenticating: reply(.error(nil, "authentication in progress"))
    case .update: reply(.error(nil, "session is ending"))
    case .closed: reply(.error(nil, "session is closed"))
    }
  }

  /// The login (PASS or AUTH) succeeded and `maildrop` is locked and snapshotted: enters
  /// TRANSACTION. Returns the `+OK` to send.
  public mutating func authenticationSucceeded(maildrop: POP3Maildrop) -> [UInt8] {
    precondition(phase == .authenticating, "no login in progress")
    phase = .transaction
    self.maildrop = maildrop
    return encode(.ok("maildrop has \(maildrop.count) messages (\(maildrop.size) octets)"))
  }

  /// The login failed: back to AUTHORIZATION (USER must be sent again). Returns the
  /// `-ERR` to send.
  public mutating func authenticationFailed(_ failure: POP3LoginFailure) -> [UInt8] {
    precondition(phase == .authenticating, "no login in progress")
    phase = .authorization
    return encode(failure.response)
  }

  /// The STLS handshake completed. RFC 2595 §4: everything known before TLS is
  /// forgotten (a pending USER); CAPA now reflects the secure connection.
  public mutating func tlsStarted() {
    precondition(phase == .authorization, "STLS is only valid in AUTHORIZATION")
    configuration.isTLS = true
    pendingUser = nil
  }

  /// The UPDATE expunge finished (`succeeded` false if the store refused it; then no
  /// message was removed). Returns the final reply; the server then closes.
  public mutating func updateFinished(succeeded: Bool) -> [UInt8] {
    precondition(phase == .update, "not in UPDATE")
    phase = .closed
    guard succeeded else {
      return encode(.error(.systemTemporary, "some deleted messages not removed"))
    }
    let left = maildrop?.count ?? 0
    let detail = left == 0 ? "maildrop empty" : "\(left) messages left"
    return encode(.ok("Posta POP3 server signing off (\(detail))"))
  }

  // MARK: - AUTHORIZATION

  private mutating func authorization(_ command: POP3Command) -> POP3Action {
    switch command {
    case .capa:
      return reply(configuration.capabilities.response)
    case .user(let name):
      guard configuration.isSecure else { return plaintextRefused() }
      // Any well-formed name gets +OK: unknown users fail at PASS, like wrong passwords.
      pendingUser = name
      return reply(.ok("send PASS"))
    case .pass(let password):
      guard configuration.isSecure else { return plaintextRefused() }
      guard let user = pendingUser else { return reply(.error(nil, "send USER first")) }
      pendingUser = nil
      phase = .authenticating
      return .authenticate(user: user, password: password)
    case .authList:
      return reply(.multiLine("SASL mechanisms follow", lines: configuration.offeredMechanisms))
    case .auth(let mechanism, let initialResponse):
      pendingUser = nil
      guard configuration.saslMechanisms.contains(mechanism) else {
        return reply(.error(nil, "unsupported SASL mechanism \(mechanism)"))
      }
      guard configuration.offeredMechanisms.contains(mechanism) else {
        return plaintextRefused()
      }
      phase = .authenticating
      return .authenticateSASL(mechanism: mechanism, initialResponse: initialResponse)
    case .stls:
      if configuration.isTLS { return reply(.error(nil, "already using TLS")) }
      guard configuration.tlsAvailable else {
        return reply(.error(nil, "STLS is not available on this port"))
      }
      return .startTLS(reply: encode(.ok("begin TLS negotiation")))
    case .quit:
      phase = .closed
      return .close(reply: encode(.ok("Posta POP3 server signing off")))
    case .apop:
      return reply(.error(nil, "APOP is not supported; use USER/PASS or AUTH"))
    case .stat, .list, .retr, .dele, .noop, .rset, .top, .uidl:
      return reply(.error(nil, "\(command.keyword) is only valid after login"))
    }
  }

  /// RFC 2595 §2.2 / RFC 3206 §4: plaintext credentials only over TLS (or trusted
  /// loopback); say how to get there.
  private func plaintextRefused() -> POP3Action {
    let hint =
      configuration.offersSTLS
      ? "use STLS first" : "connect to the POP3S port (995) instead"
    return reply(.error(.auth, "plaintext authentication requires TLS; \(hint)"))
  }

  // MARK: - TRANSACTION

  private mutating func transaction(_ command: POP3Command) -> POP3Action {
    // DELE and RSET mutate the snapshot in place: a local copy would make every mark
    // copy the whole deletion array (10,000 DELEs would cost 10,000² steps).
    switch command {
    case .dele(let number):
      let action = withMessage(number) { _ in reply(.ok("message \(number) deleted")) }
      maildrop?.markDeleted(number)
      return action
    case .rset:
      maildrop?.unmarkAll()
      return reply(.ok("maildrop has \(drop.count) messages (\(drop.size) octets)"))
    default:
      break
    }
    switch command {
    case .stat:
      return reply(.ok("\(drop.count) \(drop.size)"))
    case .list(nil):
      return .reply(
        listing(header: "\(drop.count) messages (\(drop.size) octets)") {
          out, _, message in out.appendDecimal(message.size)
        })
    case .list(let number?):
      return withMessage(number) { message in reply(.ok("\(number) \(message.size)")) }
    case .uidl(nil):
      return .reply(
        listing(header: "unique-id listing follows") { out, drop, message in
          drop.uniqueID(of: message).append(to: &out)
        })
    case .uidl(let number?):
      return withMessage(number) { message in
        reply(.ok("\(number) \(drop.uniqueID(of: message))"))
      }
    case .retr(let number):
      return withMessage(number) { message in
        .retrieve(
          POP3Retrieval(number: number, uid: message.uid, size: message.size, bodyLines: nil))
      }
    case .top(let number, let lines):
      return withMessage(number) { message in
        .retrieve(
          POP3Retrieval(number: number, uid: message.uid, size: message.size, bodyLines: lines))
      }
    case .noop:
      return reply(.ok(""))
    case .capa:
      return reply(configuration.capabilities.response)
    case .quit:
      phase = .update
      return .update(expunge: drop.deletedUIDs)
    case .user, .pass, .auth, .authList, .stls, .apop:
      return reply(.error(nil, "already logged in"))
    case .dele, .rset:
      preconditionFailure("handled above")
    }
  }

  /// The snapshot; only called in TRANSACTION and UPDATE, where there always is one.
  private var drop: POP3Maildrop {
    guard let maildrop else { preconditionFailure("TRANSACTION without a maildrop") }
    return maildrop
  }

  /// Runs `body` on message `number`, or answers why there is none.
  private func withMessage(
    _ number: Int, _ body: (POP3Maildrop.Message) -> POP3Action
  ) -> POP3Action {
    switch drop.lookup(number) {
    case .message(let message): body(message)
    case .deleted: reply(.error(nil, "message \(number) already deleted"))
    case .noSuchMessage: reply(.error(nil, "no such message"))
    }
  }

  /// A multi-line `n value` listing of the live messages, encoded straight to bytes so a
  /// 10,000-message maildrop costs one buffer and no per-line strings.
  private func listing(
    header: String,
    value: (inout [UInt8], POP3Maildrop, POP3Maildrop.Message) -> Void
  ) -> [UInt8] {
    let drop = self.drop
    var out: [UInt8] = []
    out.reserveCapacity(64 + drop.count * 24)
    POP3Response.ok(header).encode(into: &out, limits: configuration.limits)
    for (index, message) in drop.messages.enumerated() where !drop.isDeleted(index + 1) {
      out.appendDecimal(index + 1)
      out.append(ASCII.space)
      value(&out, drop, message)
      out.append(contentsOf: ASCII.crlf)
    }
    out.append(contentsOf: POP3Response.terminator)
    return out
  }

  private func reply(_ response: POP3Response) -> POP3Action {
    .reply(encode(response))
  }

  private func encode(_ response: POP3Response) -> [UInt8] {
    response.encoded(limits: configuration.limits)
  }
}
