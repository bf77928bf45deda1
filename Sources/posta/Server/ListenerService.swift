import Config
import Lifecycle
import Log
import Net
import Synchronization

/// One bound listening address of one service (smtp, imaps…), as a `Service`
/// of the server's group.
///
/// Binding happens at construction, so that a port in use or a privileged port
/// fails `posta serve` before it reports ready.
final class ListenerService: Service {
  let name: String
  let service: ListenService
  private let server: TCPServer

  init(
    service: ListenService, address socketAddress: SocketAddress, runtime: ServerRuntime,
    reject: @escaping @Sendable (TCPConnection) async -> Void = { _ in },
    handler: @escaping @Sendable (TCPConnection) async -> Void
  ) throws(CLIError) {
    self.service = service
    self.name = "\(service.rawValue)@\(socketAddress)"
    let listener: TCPListener
    do {
      listener = try TCPListener(
        bindingTo: socketAddress, reactor: runtime.reactor,
        connectionReactors: runtime.connectionReactors)
    } catch {
      throw CLIError(
        .osError, "cannot listen on \(socketAddress) for \(service.rawValue): \(error)")
    }
    let proxies = runtime.config.listen.trustedProxies
    let policy: TCPServer.ProxyPolicy? =
      proxies.isEmpty
      ? nil
      : TCPServer.ProxyPolicy { peer in
        // Trusted proxies are read at connection time so a reload applies.
        runtime.config.listen.trustedProxies.contains { $0.contains(peer.bytes) }
      }
    self.server = TCPServer(
      listener: listener, limiter: runtime.limiter, proxy: policy,
      logger: runtime.logger.component(service.rawValue), reject: reject, handler: handler)
  }

  /// The bound address (the real port when the configuration said 0).
  var localAddress: SocketAddress { server.listener.localAddress }

  func run() async throws {
    await server.run()
  }

  func beginShutdown() async {
    server.stop()
  }
}
