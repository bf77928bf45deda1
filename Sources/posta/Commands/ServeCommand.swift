import Config
import Delivery
import Foundation
import Lifecycle
import Log
import Net
import TLS

enum ServeCommand {
  static let command = Command(
    "serve", summary: "run the server in the foreground, logging to stderr",
    help: """
      Listens on every address of [listen], serves until SIGTERM or SIGINT, then stops
      accepting and gives open sessions limits.shutdown_timeout to finish. SIGHUP reloads
      the configuration (domains, host names, certificates, limits).
      """
  ) { inv in
    try await serve(inv)
  }

  static func serve(_ inv: Invocation) async throws -> ExitCode {
    let config = try loadConfig(inv)
    // Read before anything is opened, so a bad password file stops start-up cleanly.
    let deliverySettings = try OutboundSetup.deliverySettings(config, configPath: inv.configPath)
    let sink = LogSink(level: config.logLevel)
    let logger = Logger(sink: sink, component: "server")
    // Signals first, so that a SIGTERM during start-up is not fatal.
    let watcher = SignalWatcher()
    defer { watcher.cancel() }
    ProcessSetup.ignoreSIGPIPE()
    if let limit = try? ProcessSetup.raiseFileLimit() {
      logger.debug("fd.limit", ("soft", String(limit.soft)), ("hard", String(limit.hard)))
    }

    // Keys before any listener, so the first message submitted is signed.
    try await OutboundSetup.ensureKeys(config, domains: config.domains.map(\.name))
    let runtime = try await RuntimeSetup.make(inv, config, logger: logger)
    let queue: QueueRunner
    do {
      queue = try QueueRunner(
        store: runtime.store,
        resolver: try OutboundSetup.resolver(
          config, reactor: runtime.reactor, logger: logger.component("dns")),
        reactor: runtime.reactor,
        settings: deliverySettings,
        logger: logger.component("queue"), signer: runtime.dkim)
    } catch let error as CLIError {
      throw error
    } catch {
      throw CLIError(.config, "outbound delivery: \(error)")
    }

    let handlers = ProtocolHandlers(runtime: runtime, queue: queue)
    await handlers.smtp.checkPostmasters()
    var services: [ListenerService] = []
    for service in ListenService.allCases {
      for address in config.listen[service] {
        for socketAddress in try ListenAddressResolver.resolve(address) {
          services.append(
            try ListenerService(
              service: service, address: socketAddress, runtime: runtime,
              reject: handlers.reject(for: service), handler: handlers.handler(for: service)))
        }
      }
    }
    logger.info(
      "ready", ("hostname", config.hostname), ("data_dir", config.dataDir),
      (
        "listen",
        services.map { "\($0.service.rawValue)=\($0.localAddress)" }.joined(separator: ",")
      ))

    let group = ServiceGroup(
      services: [QueueService(runner: queue)] + services,
      gracePeriod: config.limits.shutdownTimeout,
      logger: logger.component("lifecycle"))
    try await group.run(until: watcher.signals) {
      await runtime.reload()
    }
    runtime.reactor.shutdown()
    await runtime.store.close()
    runtime.hasher.shutdown()
    logger.info("stopped")
    return .ok
  }
}

/// Carries a TLS context out of `offload` (TLSContext is Sendable; this only
/// names the value).
struct TLSContextBox: Sendable {
  let context: TLSContext
  init(_ context: TLSContext) { self.context = context }
}
