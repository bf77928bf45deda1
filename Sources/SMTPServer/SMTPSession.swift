import Auth
import Log
import Net
import SMTPCore
import Storage
import TLS

/// One SMTP connection from greeting to close, driven by one task.
///
/// The loop reads a command line, parses it (`CommandParser`), asks `SMTPSessionState`
/// whether it may come now, runs its handler (one file per command in `Commands/`) and
/// records the reply, which the state machine may turn into `421` after too many errors.
/// Replies are queued and written only when no further input is buffered (RFC 2920 §3.2),
/// so a client that writes a whole transaction at once gets its replies in one write;
/// replies that end a pipelining group (`354`, `334`, STARTTLS's `220`) are written at once.
///
/// Not thread-safe: the session task owns it.
final class SMTPSession {
  /// Queued reply bytes beyond which the queue is written even while input is pending (a
  /// client pipelining without reading must not make the server buffer without bound).
  static let flushThreshold = 64 * 1024

  /// What the session needs from the service.
  struct Environment {
    let store: MailStore
    let authenticator: Authenticator
    let tlsContext: (@Sendable () -> TLSContext)?
    let spool: SpoolDirectory
  }

  let environment: Environment
  let settings: SMTPSettings
  let role: SMTPRole
  let client: SocketAddress
  var logger: Logger
  /// The stream replies go to: the connection, or the TLS stream over it.
  var stream: any ByteStream
  let reader: BufferedReader
  var state: SMTPSessionState
  let parser: CommandParser
  var output: [UInt8] = []
  /// The greeting and EHLO name (SNI may choose another of ours).
  var hostName: String
  /// The negotiated TLS version and cipher, once TLS is up.
  var tls: (version: String, cipher: String)?
  var user: AuthenticatedUser?
  var transaction: Transaction?
  /// Messages accepted in this session, for the closing log line.
  var accepted = 0
  private var quitting = false

  init(
    environment: Environment, settings: SMTPSettings, role: SMTPRole, stream: any ByteStream,
    client: SocketAddress, tls: TLSStream?, logger: Logger
  ) {
    self.environment = environment
    self.settings = settings
    self.role = role
    self.client = client
    self.logger = logger
    self.stream = stream
    self.reader = BufferedReader(stream)
    self.state = SMTPSessionState(limits: settings.limits, isTLS: tls != nil)
    self.parser = CommandParser(limits: settings.limits)
    self.hostName = settings.greetingName(serverName: tls?.serverName)
    self.tls = tls.map { ($0.protocolVersion, $0.cipher) }
  }

  var store: MailStore { environment.store }
  var limits: SMTPLimits { settings.limits }

  /// The client's IP as Auth and the logs take it (the real client behind a PROXY header).
  var clientHost: String { client.unmapped.host }

  /// When the next read must have data: the idle timeout from now (RFC 5321 §4.5.3.2).
  var idleDeadline: ContinuousClock.Instant { .now + settings.idleTimeout }

  /// Runs the session to its end and closes the stream. Never throws: every failure ends
  /// the session in its own way (see `SMTPSessionEnd`).
  func run() async {
    var end: SMTPSessionEnd
    do {
      queue(.greeting(host: hostName))
      end = try await commandLoop()
    } catch {
      end = failed(error)
    }
    if end != .error { try? await flush() }
    await dropTransaction()
    await stream.close()
    logger.debug("smtp-close", ("reason", end.rawValue), ("messages", "\(accepted)"))
  }

  /// Reads and handles commands until the session is over.
  private func commandLoop() async throws -> SMTPSessionEnd {
    while true {
      try Task.checkCancellation()
      if reader.bufferedCount == 0 || output.count >= Self.flushThreshold { try await flush() }
      let line = try await reader.readLine(
        limit: limits.commandReadLimit, deadline: idleDeadline)
      switch line {
      case .eof: return .clientClosed
      case .tooLong: respond(.lineTooLong, to: nil)
      case .line(let bytes, _): try await handle(line: bytes)
      }
      if !state.inTransaction { await dropTransaction() }
      if state.phase == .closed { return quitting ? .quit : .tooManyErrors }
    }
  }

  /// Parses and runs one command line.
  private func handle(line: [UInt8]) async throws {
    let command: Command
    do {
      command = try parser.parse(line, smtputf8Transaction: state.isSMTPUTF8Transaction)
    } catch {
      respond(error.reply, to: nil)
      return
    }
    if let refusal = state.check(command) {
      // RFC 3030 §2: a refused chunk is still read, so the session stays in step.
      if case .bdat(let size, _) = command { try await discardChunk(size) }
      respond(refusal, to: command)
      return
    }
    switch command {
    case .ehlo(let name): handleEHLO(name)
    case .helo(let name): handleHELO(name)
    case .mail(let path, let parameters): await handleMail(path, parameters)
    case .rcpt(let path, let parameters): await handleRcpt(path, parameters)
    case .data: try await handleData()
    case .bdat(let size, let last): try await handleBDAT(size: size, last: last)
    case .rset: handleRset()
    case .noop: handleNoop()
    case .quit:
      handleQuit()
      quitting = true
    case .help: handleHelp()
    case .vrfy: handleVrfy()
    case .expn: handleExpn()
    case .starttls: try await handleStartTLS()
    case .auth(let mechanism, let initialResponse):
      try await handleAuth(mechanism: mechanism, initialResponse: initialResponse)
    }
  }

  /// Ends a session that stopped on an error: says why where the client can still hear
  /// it, and names the end for the log.
  private func failed(_ error: any Error) -> SMTPSessionEnd {
    switch error {
    case is CancellationError:
      // Graceful shutdown: the service group cancelled the connection tasks.
      queue(.shuttingDown)
      return .shutdown
    case NetError.timedOut:
      queue(.timeout)
      return .idle
    case SMTPSessionError.clientClosed:
      return .clientClosed
    default:
      logger.info("smtp-error", ("error", "\(error)"))
      output = []
      return .error
    }
  }

  /// Drops the transaction, removing its spool file if a message was being received.
  func dropTransaction() async {
    guard let dropped = transaction else { return }
    transaction = nil
    await dropped.message?.sink.discard()
  }

  // MARK: - Replies

  /// Records `reply` as the answer to `command` (nil for a line that did not parse) and
  /// queues what the state machine says to send (`421` past the error limit).
  func respond(_ reply: Reply, to command: Command?) {
    queue(state.record(reply, for: command))
  }

  /// Like `respond`, for a policy refusal worth a log line (never a body or password).
  func refuse(_ reply: Reply, to command: Command, reason: String, _ fields: (String, String)...) {
    var all = [
      ("stage", command.verb.rawValue.lowercased()), ("code", Self.codeText(reply)),
      ("reason", reason),
    ]
    if let t = transaction { all.append(("id", t.id)) }
    all += fields.map { ($0.0, String($0.1.prefix(300))) }
    logger.log(.info, "smtp-rejected", all)
    respond(reply, to: command)
  }

  static func codeText(_ reply: Reply) -> String {
    "\(reply.code)" + (reply.enhancedCode.map { " \($0)" } ?? "")
  }

  func queue(_ reply: Reply) {
    reply.write(into: &output)
  }

  /// Writes everything queued.
  /// - Throws: `SMTPSessionError.write`, so a failed or timed-out write is never taken for
  ///   an idle client (which still gets a goodbye).
  func flush() async throws {
    guard !output.isEmpty else { return }
    do {
      try await stream.write(output)
    } catch {
      output = []
      throw SMTPSessionError.write(error)
    }
    // Replies are small: the buffer is kept for the next one unless something large
    // (a long EHLO or error text) grew it.
    if output.capacity <= 4096 {
      output.removeAll(keepingCapacity: true)
    } else {
      output = []
    }
  }

  // MARK: - Reading message data

  /// Makes sure at least one byte is buffered.
  /// - Throws: `SMTPSessionError.clientClosed` at end of stream; read errors.
  func fillReader() async throws {
    guard reader.bufferedCount == 0 else { return }
    guard try await reader.fill(deadline: idleDeadline) else {
      throw SMTPSessionError.clientClosed
    }
  }

  /// Reads and drops `size` octets (a refused BDAT chunk).
  func discardChunk(_ size: Int) async throws {
    var remaining = size
    while remaining > 0 {
      try await fillReader()
      let n = min(remaining, reader.bufferedCount)
      reader.consumeBuffered(n)
      remaining -= n
    }
  }
}
