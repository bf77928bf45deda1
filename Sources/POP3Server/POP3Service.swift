import Auth
import Log
import Net
import POP3Core
import Storage
import TLS

/// The POP3 server: serves one accepted connection per call, for the `pop3` listener
/// (port 110, STLS) and the `pop3s` listener (port 995, implicit TLS).
///
/// ```swift
/// let pop3 = POP3Service(
///   store: store, authenticator: auth, logger: logger,
///   settings: { POP3Settings(hostName: "mail.example.org") }, tlsContext: { context })
/// let server = TCPServer(listener: listener, logger: logger,
///   reject: { await pop3.reject($0) }) { await pop3.serve($0, implicitTLS: false) }
/// ```
///
/// Cancelling the task that runs `serve` is the graceful shutdown: the session answers
/// `-ERR [SYS/TEMP] server shutting down`, deletes nothing and releases the maildrop.
public struct POP3Service: Sendable {
  private let store: MailStore
  private let authenticator: Authenticator
  private let logger: Logger
  private let settings: @Sendable () -> POP3Settings
  private let tlsContext: (@Sendable () -> TLSContext)?
  private let sizes: POP3SizeCache

  /// - Parameters:
  ///   - settings: read once per connection, so a configuration reload applies to the
  ///     connections accepted after it.
  ///   - tlsContext: the server certificate(s), asked for at each handshake; nil when TLS
  ///     is not configured (then STLS is not offered and pop3s cannot be served).
  public init(
    store: MailStore, authenticator: Authenticator, logger: Logger,
    settings: @escaping @Sendable () -> POP3Settings,
    tlsContext: (@Sendable () -> TLSContext)?
  ) {
    self.store = store
    self.authenticator = authenticator
    self.logger = logger.component("pop3")
    self.settings = settings
    self.tlsContext = tlsContext
    self.sizes = POP3SizeCache()
  }

  /// Serves one accepted TCP connection until the session ends, then closes it. With
  /// `implicitTLS` (pop3s) the TLS handshake comes first. The idle timeout also bounds
  /// the handshake and any write the client does not read.
  public func serve(_ conn: TCPConnection, implicitTLS: Bool) async {
    let current = settings()
    conn.readTimeout = current.idleTimeout
    conn.writeTimeout = current.idleTimeout
    await serve(
      stream: conn, client: conn.clientAddress, implicitTLS: implicitTLS,
      connectionID: conn.id, settings: current)
  }

  /// Serves a session over any stream (an in-memory pair in tests); `client` is the
  /// address plaintext-login rules and the failure throttle go by. Closes the stream at
  /// the end.
  public func serve(
    stream: any ByteStream, client: SocketAddress, implicitTLS: Bool = false,
    connectionID: UInt64? = nil
  ) async {
    await serve(
      stream: stream, client: client, implicitTLS: implicitTLS, connectionID: connectionID,
      settings: settings())
  }

  /// Turns away a connection over the connection limit with `-ERR [SYS/TEMP] too many
  /// connections` (RFC 3206 §4). On a pop3s listener (`implicitTLS`) nothing is written:
  /// the client expects a TLS handshake, and running one costs what the limit saves.
  /// The caller (`TCPServer`) closes the connection afterwards.
  public func reject(_ conn: TCPConnection, implicitTLS: Bool = false) async {
    // `TCPServer` has logged the rejection already.
    guard !implicitTLS else { return }
    let reply = POP3Response.error(.systemTemporary, "too many connections").encoded()
    try? await conn.write(reply)
  }

  private func serve(
    stream: any ByteStream, client: SocketAddress, implicitTLS: Bool, connectionID: UInt64?,
    settings: POP3Settings
  ) async {
    var log = logger
    if let connectionID { log = log.with(("conn", "\(connectionID)")) }
    log = log.with(("client", client.description))
    var sessionStream = stream
    if implicitTLS {
      guard let context = tlsContext?() else {
        log.error("pop3s-no-certificate")
        await stream.close()
        return
      }
      do {
        sessionStream = try await TLSStream.accept(over: stream, context: context)
      } catch {
        log.debug("pop3-tls-failed", ("error", "\(error)"))
        await stream.close()
        return
      }
    }
    let environment = POP3Session.Environment(
      store: store, authenticator: authenticator, tlsContext: tlsContext, sizes: sizes)
    let session = POP3Session(
      environment: environment, settings: settings, stream: sessionStream, client: client,
      isTLS: implicitTLS, logger: log)
    await session.run()
  }
}
