import Config
import Lifecycle
import Log
import Net
import TLS

/// A listener that accepts connections and keeps them open without speaking
/// any protocol: what an idle connection costs on the socket and TLS layers
/// alone (bench/idle_hold.py drives it).
enum HoldCommand {
  static let command = Command(
    "hold",
    options: [
      .value("listen", "address to listen on, HOST:PORT (default 127.0.0.1:0)"),
      .flag("tls", "complete a TLS handshake on each connection first"),
    ],
    summary: "diagnostics: accept connections and hold them open",
    help: "Uses the configuration's [limits] and TLS certificate. Stops on SIGTERM."
  ) { inv in
    let config = try loadConfig(inv)
    let logger = Logger(sink: LogSink(level: config.logLevel), component: "hold")
    let watcher = SignalWatcher()
    defer { watcher.cancel() }
    ProcessSetup.ignoreSIGPIPE()
    _ = try? ProcessSetup.raiseFileLimit()
    guard let address = ListenAddress(inv.values["listen"] ?? "127.0.0.1:0") else {
      throw CLIError(.usage, "--listen takes HOST:PORT")
    }
    let useTLS = inv.flags.contains("tls")
    let runtime = try await RuntimeSetup.make(inv, config, logger: logger)
    let tls = runtime.snapshot.tls
    let service = try ListenerService(
      service: useTLS ? .imaps : .imap, address: ListenAddressResolver.resolve(address)[0],
      runtime: runtime
    ) { conn in
      guard useTLS else { return await TCPServer.holdOpen(conn) }
      guard let stream = try? await TLSStream.accept(over: conn, context: tls) else {
        return
      }
      while let bytes = try? await stream.read(max: 512), !bytes.isEmpty {}
      await stream.close()
    }
    logger.info("ready", ("listen", service.localAddress.description), ("tls", "\(useTLS)"))
    try await ServiceGroup(
      services: [service], gracePeriod: config.limits.shutdownTimeout, logger: logger
    ).run(until: watcher.signals)
    runtime.reactor.shutdown()
    await runtime.store.close()
    return .ok
  }
}
