import Config
import Net
import POP3Core
import POP3Server

/// Which code serves each listener: the protocol servers that exist, and the
/// pending-protocol placeholder for those that don't yet.
struct ProtocolHandlers: Sendable {
  typealias Handler = @Sendable (TCPConnection) async -> Void

  let pop3: POP3Service
  let runtime: ServerRuntime

  init(runtime: ServerRuntime) {
    self.runtime = runtime
    // One service for pop3 and pop3s: they share the message-size cache.
    self.pop3 = POP3Service(
      store: runtime.store, authenticator: runtime.authenticator,
      logger: runtime.logger.component("pop3"),
      settings: { Self.pop3Settings(runtime.config) },
      tlsContext: { runtime.snapshot.tls })
  }

  static func pop3Settings(_ config: PostaConfig) -> POP3Settings {
    var limits = POP3Limits()
    limits.commandLine = config.limits.pop3LineLength
    var settings = POP3Settings(hostName: config.hostname, limits: limits)
    settings.idleTimeout = max(config.limits.pop3IdleTimeout, POP3Settings.minimumIdleTimeout)
    return settings
  }

  /// Serves one accepted connection of `service`.
  func handler(for service: ListenService) -> Handler {
    switch service {
    case .pop3:
      return { [pop3] conn in await pop3.serve(conn, implicitTLS: false) }
    case .pop3s:
      return { [pop3] conn in await pop3.serve(conn, implicitTLS: true) }
    default:
      return PendingProtocolSession.handler(service, runtime: runtime)
    }
  }

  /// Says "too busy" to a connection over the limits, in the protocol's words.
  func reject(for service: ListenService) -> Handler {
    switch service {
    case .pop3:
      return { [pop3] conn in await pop3.reject(conn, implicitTLS: false) }
    case .pop3s:
      return { [pop3] conn in await pop3.reject(conn, implicitTLS: true) }
    default:
      return { _ in }
    }
  }
}
