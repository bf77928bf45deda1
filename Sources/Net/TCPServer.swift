import Log
import Synchronization

/// The accept loop of one listener: one child task per connection in a
/// discarding task group, connection limits, the PROXY protocol for trusted
/// peers, and back-off when the process runs out of descriptors.
///
/// Graceful shutdown, in the order a service group wants it:
/// 1. `stop()` closes the listener: no new connections; `run()` keeps
///    waiting for the running ones.
/// 2. Wait up to the grace period for `run()` to return (`activeConnections`
///    shows progress).
/// 3. Cancel the task running `run()`: every connection task is cancelled, so
///    its pending read throws `CancellationError`. A handler can still write a
///    goodbye (421, `* BYE`) then; a write that does not have to wait for
///    socket space completes even in a cancelled task.
///
/// ```swift
/// let server = TCPServer(listener: listener, limiter: limiter, logger: log) { conn in
///   await session(conn)
/// }
/// let task = Task { await server.run() }
/// // on SIGTERM: server.stop(); after the grace period: task.cancel()
/// ```
public final class TCPServer: Sendable {
  /// Which peers must open with a PROXY protocol header, and how long they
  /// get to send it. Peers not trusted are served as they are: a PROXY line
  /// from them reaches the protocol as an (invalid) command.
  public struct ProxyPolicy: Sendable {
    public var isTrusted: @Sendable (SocketAddress) -> Bool
    public var headerTimeout: Duration

    public init(
      headerTimeout: Duration = .seconds(10), isTrusted: @escaping @Sendable (SocketAddress) -> Bool
    ) {
      self.isTrusted = isTrusted
      self.headerTimeout = headerTimeout
    }
  }

  /// The listener being served.
  public let listener: TCPListener
  private let limiter: ConnectionLimiter?
  private let proxy: ProxyPolicy?
  private let logger: Logger
  private let acceptBackoff: Duration
  private let reject: @Sendable (TCPConnection) async -> Void
  private let handler: @Sendable (TCPConnection) async -> Void
  private let active = Atomic(0)

  /// - Parameters:
  ///   - limiter: admits each connection by its client address (after the
  ///     PROXY header, if any); nil admits everything.
  ///   - proxy: peers that must send a PROXY header; nil: no PROXY protocol.
  ///   - acceptBackoff: the pause after EMFILE/ENFILE and other accept errors.
  ///   - reject: runs (in the connection's own task) for a connection over
  ///     the limit, to say "too busy"; the connection is closed afterwards.
  ///   - handler: serves one connection; the connection is closed when it returns.
  public init(
    listener: TCPListener, limiter: ConnectionLimiter? = nil, proxy: ProxyPolicy? = nil,
    logger: Logger, acceptBackoff: Duration = .milliseconds(100),
    reject: @escaping @Sendable (TCPConnection) async -> Void = { _ in },
    handler: @escaping @Sendable (TCPConnection) async -> Void
  ) {
    self.listener = listener
    self.limiter = limiter
    self.proxy = proxy
    self.logger = logger
    self.acceptBackoff = acceptBackoff
    self.reject = reject
    self.handler = handler
  }

  /// Connections whose task is running (including ones being rejected).
  public var activeConnections: Int { active.load(ordering: .relaxed) }

  /// Accepts until `stop()` or cancellation, then returns once every
  /// connection task has finished. Call once.
  public func run() async {
    logger.info("listen", ("addr", listener.localAddress.description))
    await withDiscardingTaskGroup { group in
      while let conn = await acceptNext() {
        active.add(1, ordering: .relaxed)
        // On the thread of the reactor the connection waits on: readiness resumes the
        // task where it was seen.
        group.addTask(executorPreference: conn.reactor.taskExecutor) {
          await self.serve(conn)
          self.active.subtract(1, ordering: .relaxed)
        }
      }
    }
    logger.info("listen.stopped", ("addr", listener.localAddress.description))
  }

  /// Stops accepting (closes the listener). Running connections go on.
  public func stop() {
    listener.close()
  }

  /// A handler that holds a connection open, reading and discarding until the
  /// peer closes: for measuring what an idle connection costs, and for ports
  /// whose protocol is not built yet.
  @Sendable
  public static func holdOpen(_ conn: TCPConnection) async {
    while let bytes = try? await conn.read(max: 512), !bytes.isEmpty {}
  }

  /// The next connection, or nil when the loop should end.
  private func acceptNext() async -> TCPConnection? {
    while true {
      do {
        return try await listener.accept()
      } catch is CancellationError {
        return nil
      } catch NetError.closed, NetError.reactorShutDown {
        return nil
      } catch {
        if case NetError.outOfResources = error {
          logger.warning("accept.backoff", ("error", "\(error)"), ("pause", "\(acceptBackoff)"))
        } else {
          logger.error("accept.failed", ("error", "\(error)"))
        }
        do {
          try await Task.sleep(for: acceptBackoff)
        } catch {
          return nil
        }
      }
    }
  }

  private func serve(_ conn: TCPConnection) async {
    defer { conn.close() }
    var log = logger.with(("conn", String(conn.id)), ("client", conn.peer.description))
    if let proxy, proxy.isTrusted(conn.peer) {
      do {
        let reader = BufferedReader(conn, chunkSize: 512)
        let header = try await ProxyProtocol.readHeader(
          from: reader, deadline: .now + proxy.headerTimeout)
        if let header {
          conn.applyProxyHeader(header)
          log = logger.with(
            ("conn", String(conn.id)), ("client", header.source.description),
            ("proxy", conn.peer.description))
        }
        conn.unread(reader.takeBuffered())
      } catch {
        log.warning("proxy.refused", ("error", "\(error)"))
        return
      }
    }
    var ticket: ConnectionLimiter.Ticket?
    if let limiter {
      ticket = limiter.acquire(conn.clientAddress)
      if ticket == nil {
        log.warning("conn.rejected", ("reason", "connection limit reached"))
        if conn.writeTimeout == nil { conn.writeTimeout = .seconds(10) }
        await reject(conn)
        return
      }
    }
    log.info("conn.open", ("local", conn.serverAddress.description))
    await handler(conn)
    ticket?.release()
    log.info("conn.close")
  }
}
