import Auth
import Log
import Net
import SMTPCore
import Storage
import TLS

/// The SMTP server: serves one accepted connection per call, for the `smtp` listener
/// (port 25, MX), `submission` (587, STARTTLS then AUTH) and `submissions` (465, implicit
/// TLS). One service serves all three; create one per process (it owns the spool
/// directory and empties it when created).
///
/// ```swift
/// let smtp = SMTPService(
///   store: store, authenticator: auth, logger: logger,
///   settings: { SMTPSettings(hostName: "mx.example.org") }, tlsContext: { context })
/// await smtp.checkPostmasters()
/// let server = TCPServer(listener: listener, limiter: limiter, logger: logger,
///   reject: { await smtp.reject($0, role: .mx) }) { await smtp.serve($0, role: .mx) }
/// ```
///
/// Cancelling the task that runs `serve` is the graceful shutdown: the session answers
/// `421 4.3.2`, keeps nothing of a message not yet acknowledged, and closes.
public struct SMTPService: Sendable {
  private let store: MailStore
  private let authenticator: Authenticator
  private let logger: Logger
  private let settings: @Sendable () -> SMTPSettings
  private let tlsContext: (@Sendable () -> TLSContext)?
  private let spool: SpoolDirectory

  /// - Parameters:
  ///   - settings: read once per connection, so a configuration reload applies to the
  ///     connections accepted after it (except `spoolDirectory`, read once here).
  ///   - tlsContext: the server certificate(s), asked for at each handshake; nil when TLS
  ///     is not configured (then STARTTLS is not offered and submissions cannot be served).
  public init(
    store: MailStore, authenticator: Authenticator, logger: Logger,
    settings: @escaping @Sendable () -> SMTPSettings,
    tlsContext: (@Sendable () -> TLSContext)?
  ) {
    self.store = store
    self.authenticator = authenticator
    self.logger = logger.component("smtp")
    self.settings = settings
    self.tlsContext = tlsContext
    let path = settings().spoolDirectory ?? store.config.dataDirectory + "/spool"
    spool = SpoolDirectory(path: path)
    do {
      let removed = try spool.prepare()
      if removed > 0 {
        self.logger.info("smtp-spool-cleaned", ("path", path), ("files", "\(removed)"))
      }
    } catch {
      // Messages small enough for memory still work; large ones will get 451 until fixed.
      self.logger.error("smtp-spool-unusable", ("path", path), ("error", "\(error)"))
    }
  }

  /// Serves one accepted TCP connection until the session ends, then closes it. On
  /// `submissions` the TLS handshake comes first. The idle timeout also bounds the
  /// handshake and any write the client does not read.
  public func serve(_ conn: TCPConnection, role: SMTPRole) async {
    let current = settings()
    conn.readTimeout = current.idleTimeout
    conn.writeTimeout = current.idleTimeout
    await serve(
      stream: conn, client: conn.clientAddress, role: role, connectionID: conn.id,
      settings: current)
  }

  /// Serves a session over any stream (an in-memory pair in tests); `client` is the
  /// address the `Received:` line names and the auth throttle counts by. Closes the stream
  /// at the end.
  public func serve(
    stream: any ByteStream, client: SocketAddress, role: SMTPRole = .mx,
    connectionID: UInt64? = nil
  ) async {
    await serve(
      stream: stream, client: client, role: role, connectionID: connectionID,
      settings: settings())
  }

  /// Turns away a connection over the connection limit with `421 4.7.0` (RFC 5321 §3.8).
  /// On `submissions` nothing is written: the client expects a TLS handshake, and running
  /// one costs what the limit saves. The caller (`TCPServer`) closes the connection.
  public func reject(_ conn: TCPConnection, role: SMTPRole) async {
    // `TCPServer` has logged the rejection already.
    guard !role.usesImplicitTLS else { return }
    let reply = Reply.tooManyConnections.with(text: "\(settings().hostName) too many connections")
    try? await conn.write(reply.encoded())
  }

  /// Checks that mail to `postmaster@domain` can be delivered for every hosted domain (an
  /// account or alias `postmaster`, the configured postmaster, or any account), and logs a
  /// warning for each domain where it cannot. Never fails a start.
  /// - Returns: the domains without a postmaster destination.
  @discardableResult
  public func checkPostmasters() async -> [String] {
    let current = settings()
    let policy = RecipientPolicy(
      store: store, settings: current, logger: logger, hostName: current.hostName)
    var missing: [String] = []
    let domains: [DomainSummary]
    do {
      domains = try await store.domainSummaries()
    } catch {
      logger.warning("smtp-postmaster-unchecked", ("error", "\(error)"))
      return []
    }
    for domain in domains {
      if case .refuse = await policy.postmaster(domain: domain.name) {
        missing.append(domain.name)
        logger.warning(
          "smtp-no-postmaster", ("domain", domain.name),
          ("hint", "create postmaster@\(domain.name), an alias, or an account in the domain"))
      }
    }
    return missing
  }

  private var environment: SMTPSession.Environment {
    SMTPSession.Environment(
      store: store, authenticator: authenticator, tlsContext: tlsContext, spool: spool)
  }

  private func serve(
    stream: any ByteStream, client: SocketAddress, role: SMTPRole, connectionID: UInt64?,
    settings: SMTPSettings
  ) async {
    var log = logger
    if let connectionID { log = log.with(("conn", "\(connectionID)")) }
    log = log.with(("client", client.description), ("role", role.rawValue))
    var tls: TLSStream?
    if role.usesImplicitTLS {
      guard let context = tlsContext?() else {
        log.error("smtp-submissions-no-certificate")
        await stream.close()
        return
      }
      do {
        tls = try await TLSStream.accept(over: stream, context: context)
      } catch {
        log.debug("smtp-tls-failed", ("error", "\(error)"))
        await stream.close()
        return
      }
    }
    let session = SMTPSession(
      environment: environment, settings: settings, role: role, stream: tls ?? stream,
      client: client, tls: tls, logger: log)
    await session.run()
  }
}
