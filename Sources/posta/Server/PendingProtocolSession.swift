import Config
import Log
import Net
import TLS

/// What a listener does until its protocol's server exists: complete the TLS
/// handshake on implicit-TLS ports (so certificates can be checked), then
/// close. It speaks no protocol, so no client mistakes it for a working one.
enum PendingProtocolSession {
  static func handler(_ service: ListenService, runtime: ServerRuntime)
    -> @Sendable (TCPConnection) async -> Void
  {
    return { conn in
      let snapshot = runtime.snapshot
      let log = runtime.logger.component(service.rawValue).with(
        ("conn", String(conn.id)), ("client", conn.clientAddress.host))
      guard service.usesImplicitTLS else { return }
      // A stalled handshake must not hold the connection forever.
      conn.readTimeout = .seconds(30)
      do {
        let tls = try await TLSStream.accept(over: conn, context: snapshot.tls)
        log.info(
          "tls", ("version", tls.protocolVersion), ("cipher", tls.cipher),
          ("sni", tls.serverName ?? "-"))
        await tls.close()
      } catch {
        log.info("tls.failed", ("error", "\(error)"))
      }
    }
  }
}
