import Crypto
import Log
import Net
import SMTPCore
import TLS

/// Delivers one message to one host address in one SMTP session (RFC 5321), for the
/// recipients given, and reports each recipient's outcome.
///
/// The session: greeting; EHLO with `hostname` (HELO when EHLO is refused); STARTTLS when
/// offered and the host's policy allows (opportunistic TLS accepts any certificate; a
/// failed handshake is logged and retried in plain text where the policy allows, RFC
/// 7435); EHLO again; AUTH PLAIN when the host has credentials (only over TLS); then one
/// transaction per `maxRecipientsPerTransaction` recipients — MAIL, RCPTs and DATA in one
/// write when PIPELINING is offered (RFC 2920) — with SIZE=, BODY= and SMTPUTF8 passed
/// on when offered, and the DSN parameters RET/ENVID/NOTIFY/ORCPT when DSN is (RFC 3461);
/// 8-bit content converted to 7-bit for a server without 8BITMIME (RFC 6152,
/// `EightBitDowngrade`); the body dot-stuffed and streamed; QUIT.
///
/// A host that greets us or answers EHLO with our own `hostname` is ourselves: the session
/// ends there (`SessionResult.loopsBack`) instead of mail going round in a loop.
public struct SMTPClient: Sendable {
  public let hostname: String
  public let timeouts: SMTPClientTimeouts
  public let limits: SMTPLimits
  public let maxRecipientsPerTransaction: Int
  let reactor: Reactor
  let tls: ClientTLS
  let logger: Logger?

  public init(
    hostname: String, reactor: Reactor, tls: ClientTLS,
    timeouts: SMTPClientTimeouts = .rfc5321, limits: SMTPLimits = SMTPLimits(),
    maxRecipientsPerTransaction: Int = 100, logger: Logger? = nil
  ) {
    self.hostname = hostname
    self.reactor = reactor
    self.tls = tls
    self.timeouts = timeouts
    self.limits = limits
    self.maxRecipientsPerTransaction = max(1, maxRecipientsPerTransaction)
    self.logger = logger
  }

  /// A client configured from `settings`.
  public init(settings: DeliverySettings, reactor: Reactor, tls: ClientTLS, logger: Logger?) {
    self.init(
      hostname: settings.hostname, reactor: reactor, tls: tls, timeouts: settings.timeouts,
      limits: settings.limits, maxRecipientsPerTransaction: settings.maxRecipientsPerTransaction,
      logger: logger)
  }

  /// What one session achieved.
  public struct SessionResult: Sendable {
    /// One outcome per recipient, in the order given.
    public var outcomes: [RecipientOutcome]
    /// The negotiated TLS version ("TLSv1.3"), nil for a plain-text session.
    public var tlsVersion: String?
    /// The server offered DSN (RFC 3461): it received NOTIFY and ORCPT and sends any
    /// further notification itself.
    public var offersDSN: Bool = false
    /// The server refused the whole session with a 5xx greeting or 5xx to HELO (RFC 5321
    /// §3.1): the recipients left to it are deferred here, but fail if no other host of the
    /// route takes them.
    public var refusedPermanently: Bool = false
    /// The server greeted us or answered EHLO with our own host name (the recipients left
    /// are deferred with 4.4.6).
    public var loopsBack: Bool = false
  }

  /// Sends `message` to `recipients` at `address` (one of `host`'s addresses). Never
  /// throws: every failure becomes an outcome. A recipient whose address SMTP cannot carry
  /// fails with 553 5.1.3.
  public func send(
    _ message: OutboundMessage, to recipients: [OutboundRecipient], host: RouteHost,
    address: SocketAddress
  ) async -> SessionResult {
    var progress = Progress(count: recipients.count)
    var paths: [ForwardPath?] = []
    for (i, r) in recipients.enumerated() {
      let mailbox = SMTPCore.Mailbox.parse(r.address)
      paths.append(mailbox.map { .mailbox($0) })
      if mailbox == nil {
        progress.outcomes[i] = .failed(
          .local(553, (5, 1, 3), "bad recipient address syntax: \(r.address)"))
      }
    }
    let dsn = recipients.map(\.dsn)
    var allowSTARTTLS = true
    while true {
      do {
        try await session(
          message, paths: paths, dsn: dsn, host: host, address: address,
          allowSTARTTLS: allowSTARTTLS, progress: &progress)
        break
      } catch {
        if error.isTLSHandshake, allowSTARTTLS, !host.implicitTLS,
          case .opportunistic(plaintextFallback: true) = host.tls, progress.isUntouched
        {
          logger?.warning(
            "delivery-tls-failed", ("host", host.name), ("address", address.host),
            ("error", "\(error.reply(host: host.name).text)"), ("fallback", "plain"))
          allowSTARTTLS = false
          continue
        }
        if error.isTLSHandshake {
          logger?.warning(
            "delivery-tls-failed", ("host", host.name), ("address", address.host),
            ("error", "\(error.reply(host: host.name).text)"), ("fallback", "none"))
        }
        if error.isLoop {
          logger?.warning(
            "delivery-loop", ("host", host.name), ("address", address.host),
            ("error", "\(error.reply(host: host.name).text)"))
        }
        progress.refusedPermanently = error.isPermanentRefusal
        progress.loopsBack = error.isLoop
        progress.fail(error, host: host.name)
        break
      }
    }
    return SessionResult(
      outcomes: progress.outcomes.map {
        $0 ?? .deferred(.local(451, (4, 3, 0), "not attempted"), retryElsewhere: true)
      },
      tlsVersion: progress.tlsVersion, offersDSN: progress.offersDSN,
      refusedPermanently: progress.refusedPermanently, loopsBack: progress.loopsBack)
  }

  /// Recipients' outcomes so far and what a failure at this point means for the others.
  struct Progress {
    var outcomes: [RecipientOutcome?]
    /// Recipients whose data went out completely with no reply yet.
    var awaitingFinalReply: Set<Int> = []
    var tlsVersion: String?
    var offersDSN = false
    var refusedPermanently = false
    var loopsBack = false
    /// No transaction started yet: the whole session may be run again.
    var isUntouched = true

    init(count: Int) { outcomes = Array(repeating: nil, count: count) }

    mutating func fail(_ failure: SessionFailure, host: String) {
      let reply = failure.reply(host: host)
      for i in outcomes.indices where outcomes[i] == nil {
        outcomes[i] = .deferred(reply, retryElsewhere: !awaitingFinalReply.contains(i))
      }
    }

    /// Sets every recipient still without an outcome in `indices`.
    mutating func settle(_ indices: [Int], _ outcome: RecipientOutcome) {
      for i in indices where outcomes[i] == nil { outcomes[i] = outcome }
    }
  }

  // MARK: - The session

  private func session(
    _ message: OutboundMessage, paths: [ForwardPath?], dsn: [RcptParameters], host: RouteHost,
    address: SocketAddress, allowSTARTTLS: Bool, progress: inout Progress
  ) async throws(SessionFailure) {
    let conn = try await ClientConnection.open(
      address, reactor: reactor, timeouts: timeouts, limits: limits)
    do throws(SessionFailure) {
      let tlsChoice = tls.context(for: host)
      if host.implicitTLS {
        guard let tlsChoice else {
          throw SessionFailure.tlsUnavailable("implicit TLS needs a TLS context for this route")
        }
        try await conn.startTLS(
          context: tlsChoice.context, serverName: host.name, verify: tlsChoice.verify,
          timeout: timeouts.command)
      }
      let greeting = try await conn.readReply(timeout: timeouts.greeting, stage: "greeting")
      guard greeting.isPositiveCompletion else {
        // RFC 5321 §3.1: after a refusing greeting the client should still say QUIT.
        if (try? await conn.send(.quit)) != nil {
          _ = try? await conn.readReply(timeout: min(timeouts.command, .seconds(10)), stage: "QUIT")
        }
        throw SessionFailure.rejected(stage: "greeting", greeting)
      }
      try checkNotOurselves(greeting.lines.first, said: "greeted us")
      var ext = try await hello(conn)
      try checkNotOurselves(ext.domain, said: "answered EHLO")
      if conn.tls == nil {
        ext = try await startTLSIfPossible(
          conn, ext: ext, host: host, choice: tlsChoice, allowed: allowSTARTTLS)
      }
      progress.tlsVersion = conn.tls?.protocolVersion
      if let credentials = host.credentials {
        try await authenticate(conn, ext: ext, credentials: credentials)
      }
      progress.isUntouched = false
      progress.offersDSN = ext.dsn
      try await transactions(
        message, paths: paths, dsn: dsn, ext: ext, conn: conn, host: host, progress: &progress)
      // Every outcome is known: a server slow to say goodbye must not hold the slot.
      await conn.quit(timeout: min(timeouts.command, .seconds(10)))
    } catch {
      await conn.close()
      throw error
    }
  }

  /// EHLO, or HELO when the server does not know EHLO (RFC 5321 §3.2).
  private func hello(_ conn: ClientConnection) async throws(SessionFailure) -> EHLOResponse {
    let name = HelloName(hostname) ?? HelloName("localhost")!
    let reply = try await conn.exchange(.ehlo(name), timeout: timeouts.command)
    if let ext = try? EHLOResponse(parsing: reply) { return ext }
    guard reply.isPermanentFailure else { throw .rejected(stage: "EHLO", reply) }
    let helo = try await conn.exchange(.helo(name), timeout: timeouts.command)
    guard helo.isPositiveCompletion else { throw .rejected(stage: "HELO", helo) }
    let domain = helo.lines.first?.split(separator: " ").first.map(String.init) ?? ""
    return EHLOResponse(domain: domain)
  }

  /// Throws `.loop` when `text` (a greeting or EHLO line) starts with our own host name,
  /// as Postfix checks: the host is this server (RFC 5321 §5.1 leaves the loop to us).
  private func checkNotOurselves(_ text: String?, said: String) throws(SessionFailure) {
    guard let word = text?.split(separator: " ").first,
      word.lowercased() == hostname.lowercased()
    else { return }
    throw .loop("the host \(said) with our own name \(hostname)")
  }

  /// STARTTLS per the host's policy (RFC 3207); returns the extensions to use afterwards.
  private func startTLSIfPossible(
    _ conn: ClientConnection, ext: EHLOResponse, host: RouteHost,
    choice: (context: TLSContext, verify: Bool)?, allowed: Bool
  ) async throws(SessionFailure) -> EHLOResponse {
    let required: Bool
    switch host.tls {
    case .disabled: return ext
    case .opportunistic: required = false
    case .required: required = true
    }
    guard allowed, ext.startTLS, let choice else {
      if required {
        throw .tlsUnavailable(
          choice == nil
            ? "TLS is required but no CA store is loaded for this route"
            : "TLS is required but the host does not offer STARTTLS")
      }
      return ext
    }
    let reply = try await conn.exchange(.starttls, timeout: timeouts.command)
    guard reply.code == 220 else {
      if required { throw .rejected(stage: "STARTTLS", reply) }
      logger?.info("delivery-starttls-refused", ("host", host.name), ("reply", reply.description))
      return ext
    }
    try await conn.startTLS(
      context: choice.context, serverName: host.name, verify: choice.verify,
      timeout: timeouts.command)
    // RFC 3207 §4.2: forget what was learnt before TLS and ask again.
    return try await hello(conn)
  }

  /// AUTH PLAIN (RFC 4954, RFC 4616), only over TLS.
  private func authenticate(
    _ conn: ClientConnection, ext: EHLOResponse, credentials: SMTPCredentials
  ) async throws(SessionFailure) {
    guard conn.tls != nil else {
      throw .tlsUnavailable("refusing to send credentials without TLS")
    }
    guard ext.offersAuth("PLAIN") else {
      throw .authUnavailable(
        "the host does not offer AUTH PLAIN (offers: \(ext.authMechanisms.joined(separator: " ")))")
    }
    let token = Base64.encode(
      [0] + Array(credentials.username.utf8) + [0] + Array(credentials.password.utf8))
    let reply = try await conn.exchange(
      .auth(mechanism: "PLAIN", initialResponse: .base64(token)), timeout: timeouts.command)
    guard reply.code == 235 else { throw .rejected(stage: "AUTH", reply) }
  }
}
