import Auth
import Log
import Net
import POP3Core
import Storage
import TLS

/// One POP3 connection from greeting to close, driven by one task.
///
/// The loop reads a line, hands it to `POP3SessionState` and performs the returned
/// `POP3Action`. Replies are queued in `output` and written when no further input is
/// buffered (RFC 2449 §6.6 PIPELINING: a client may send a whole session in one write and
/// gets the replies in as few writes), before anything slow (a login, a message read), and
/// whenever the queue passes `flushThreshold`.
///
/// Not thread-safe: the session task owns it.
final class POP3Session {
  /// Queued reply bytes beyond which the queue is written at once (a message streams
  /// through this many bytes at a time).
  static let flushThreshold = 64 * 1024

  /// What the session needs from the service.
  struct Environment {
    let store: MailStore
    let authenticator: Authenticator
    let tlsContext: (@Sendable () -> TLSContext)?
    let sizes: POP3SizeCache
  }

  /// The maildrop opened at login: the store's view of the snapshot (message number n is
  /// `messages[n - 1]`), the lock, and the `\Seen` writer.
  struct OpenMaildrop {
    let account: AccountID
    let address: String
    let snapshot: POP3Snapshot
    let lock: POP3Lock
    let seen: SeenMarker
  }

  let environment: Environment
  let settings: POP3Settings
  let client: SocketAddress
  var logger: Logger
  /// The stream replies go to: the connection, or the TLS stream over it after STLS.
  var stream: any ByteStream
  let reader: BufferedReader
  var state: POP3SessionState
  var output: [UInt8] = []
  var maildrop: OpenMaildrop?
  /// Messages sent by RETR and TOP, for the closing log line.
  var retrievals = 0
  /// Messages removed at QUIT.
  var expunged = 0
  /// The message number of the last RETR or TOP, to tell a client going in order.
  var lastRetrieved = 0
  /// Small messages read ahead for a client going in order.
  var readAhead: POP3ReadAhead?

  init(
    environment: Environment, settings: POP3Settings, stream: any ByteStream,
    client: SocketAddress, isTLS: Bool, logger: Logger
  ) {
    self.environment = environment
    self.settings = settings
    self.client = client
    self.logger = logger
    self.stream = stream
    self.reader = BufferedReader(stream)
    let mechanisms = environment.authenticator.mechanisms(secure: true)
    let plaintext = mechanisms.filter { SASLMechanism(name: $0)?.isPlaintext ?? true }
    self.state = POP3SessionState(
      configuration: POP3SessionConfiguration(
        isTLS: isTLS, tlsAvailable: environment.tlsContext != nil,
        secureWithoutTLS: settings.loopbackIsSecure && client.isLoopback,
        saslMechanisms: mechanisms, plaintextMechanisms: Set(plaintext),
        implementation: settings.implementation,
        greeting: settings.greeting(serverName: (stream as? TLSStream)?.serverName),
        limits: settings.limits))
  }

  var limits: POP3Limits { settings.limits }

  /// The client's address as Auth takes it (the real client behind a PROXY header).
  var clientHost: String { client.unmapped.host }

  /// Runs the session to its end and closes the stream. Never throws: every failure ends
  /// the session in its own way (see `POP3SessionEnd`).
  func run() async {
    var end: POP3SessionEnd
    do {
      queue(state.greeting)
      end = try await commandLoop()
    } catch {
      end = failed(error)
    }
    if end != .error { try? await flush() }
    await release()
    await stream.close()
    logger.debug(
      "pop3-close", ("reason", end.rawValue), ("retrieved", "\(retrievals)"),
      ("expunged", "\(expunged)"))
  }

  /// Reads and handles commands until the session is over.
  private func commandLoop() async throws -> POP3SessionEnd {
    while true {
      try Task.checkCancellation()
      if reader.bufferedCount == 0 { try await flush() }
      let line = try await reader.readLine(
        limit: limits.commandLine, deadline: .now + limits.idleTimeout)
      let action: POP3Action
      switch line {
      case .eof: return .clientClosed
      case .tooLong: action = state.lineTooLong()
      case .line(let bytes, _): action = state.receive(line: bytes)
      }
      if try await perform(action) { return .quit }
    }
  }

  /// Performs one action; returns true when the session is over (QUIT).
  private func perform(_ action: POP3Action) async throws -> Bool {
    switch action {
    case .reply(let bytes):
      queue(bytes)
      if output.count >= Self.flushThreshold { try await flush() }
    case .authenticate(let user, let password):
      try await flush()
      queue(await login(user: user, password: password))
    case .authenticateSASL(let mechanism, let initialResponse):
      try await flush()
      queue(try await login(mechanism: mechanism, initialResponse: initialResponse))
    case .startTLS(let reply):
      queue(reply)
      try await flush()
      try await startTLS()
    case .retrieve(let retrieval):
      try await retrieve(retrieval)
    case .update(let uids):
      queue(await update(expunging: uids))
      return true
    case .close(let reply):
      queue(reply)
      return true
    }
    return false
  }

  /// Ends a session that stopped on an error: says why where the client can still hear
  /// it, and names the end for the log.
  private func failed(_ error: any Error) -> POP3SessionEnd {
    switch error {
    case is CancellationError:
      // Graceful shutdown: the service group cancelled the connection tasks.
      queue(POP3Response.error(.systemTemporary, "server shutting down").encoded())
      return .shutdown
    case NetError.timedOut:
      // RFC 1939 §3: the autologout timer closes without entering UPDATE.
      queue(POP3Response.error(nil, "idle for too long; closing the connection").encoded())
      return .idle
    case POP3SessionError.clientClosed:
      return .clientClosed
    default:
      logger.info("pop3-error", ("error", "\(error)"))
      output = []
      return .error
    }
  }

  /// Lets go of the maildrop: the lock, then the outstanding `\Seen` writes. Idempotent.
  /// The lock goes first because the writes need none, and a client that dropped its
  /// connection and logs in again at once must not find its maildrop held for the length
  /// of a durable write (`[IN-USE]`).
  func release() async {
    guard let open = maildrop else { return }
    open.lock.release()
    await open.seen.finish()
  }

  // MARK: - Output

  func queue(_ bytes: [UInt8]) {
    output.append(contentsOf: bytes)
  }

  /// Writes everything queued.
  /// - Throws: `POP3SessionError.write`, so a failed or timed-out write is never taken
  ///   for an idle client (which still gets a goodbye).
  func flush() async throws {
    guard !output.isEmpty else { return }
    do {
      try await stream.write(output)
    } catch {
      output = []
      throw POP3SessionError.write(error)
    }
    // A small buffer is kept for the next reply (a RETR of a typical message fits), a
    // large one let go, so an idle session holds little.
    if output.capacity <= Self.keptOutputCapacity {
      output.removeAll(keepingCapacity: true)
    } else {
      output = []
    }
  }

  /// The largest output buffer kept between replies.
  static let keptOutputCapacity = 16 * 1024

  // MARK: - STLS

  /// RFC 2595 §4: the `+OK` is out; drop whatever the client pipelined after STLS (it was
  /// sent in plaintext and must not be run under TLS), then negotiate.
  private func startTLS() async throws {
    guard let context = environment.tlsContext?() else {
      throw POP3SessionError.tls(TLSError.configuration("no TLS context configured"))
    }
    reader.discardBuffered()
    let tls: TLSStream
    do {
      tls = try await TLSStream.accept(over: stream, context: context)
    } catch {
      throw POP3SessionError.tls(error)
    }
    reader.replace(stream: tls)
    stream = tls
    state.tlsStarted()
    logger.debug("pop3-tls", ("version", tls.protocolVersion), ("cipher", tls.cipher))
  }

  // MARK: - UPDATE

  /// QUIT in TRANSACTION (RFC 1939 §6): every message marked deleted goes in one
  /// transaction; the lock is released before the reply, so a client reconnecting as soon
  /// as it reads `+OK` finds the maildrop free. Outstanding `\Seen` writes are not waited
  /// for here (the next session's snapshot does not depend on them, and the store skips
  /// UIDs expunged meanwhile); `release()` waits for them before the session ends.
  private func update(expunging uids: [UInt32]) async -> [UInt8] {
    guard let open = maildrop else { return state.updateFinished(succeeded: false) }
    var succeeded = true
    if !uids.isEmpty {
      do {
        let removed = try await environment.store.expunge(
          in: open.snapshot.mailbox, uids: uids, onlyDeleted: false)
        expunged = removed.count
        environment.sizes.remove(uidValidity: open.snapshot.uidValidity, uids: uids)
      } catch {
        succeeded = false
        logger.error("pop3-expunge-failed", ("login", open.address), ("error", "\(error)"))
      }
    }
    open.lock.release()
    return state.updateFinished(succeeded: succeeded)
  }
}
