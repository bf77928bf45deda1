import Config
import Log
import Storage

/// Opens what `serve` and `hold` need before any listener: the TLS context,
/// the mail store (creating `data_dir` and migrating) and the auth secret.
enum RuntimeSetup {
  static func make(_ inv: Invocation, _ config: PostaConfig, logger: Logger) async throws
    -> ServerRuntime
  {
    let tls: TLSContextBox
    do {
      tls = TLSContextBox(try await offload { try TLSSetup.makeContext(config) })
    } catch {
      throw CLIError(.config, "\(inv.configPath): TLS: \(error)")
    }
    var storeConfig = StoreConfig(
      dataDirectory: config.dataDir, hostedDomains: config.domains.map(\.name))
    storeConfig.logger = logger.component("store")
    let store: MailStore
    do {
      store = try await MailStore.open(storeConfig)
    } catch {
      throw CLIError(.cantCreate, "cannot open the mail store in \(config.dataDir): \(error)")
    }
    let secret = try AuthSecret.loadOrCreate(dataDir: config.dataDir)
    return try ServerRuntime(
      configPath: inv.configPath, config: config, tls: tls.context, store: store,
      authSecret: secret, logger: logger)
  }
}
