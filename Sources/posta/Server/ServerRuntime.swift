import Auth
import Config
import Delivery
import Foundation
import Log
import Net
import Storage
import Synchronization
import TLS

/// What every listener and session shares: the live configuration and TLS
/// context (both swapped on reload), the reactor, the connection limiter, the
/// mail store and the authenticator.
final class ServerRuntime: Sendable {
  struct Snapshot: Sendable {
    let config: PostaConfig
    let tls: TLSContext
  }

  let logger: Logger
  /// Listeners, DNS and outbound connections wait here; it is also the first of
  /// `connectionReactors`.
  let reactor: Reactor
  /// Accepted connections are spread over these, one per core (up to 4), and their
  /// sessions run on the reactors' threads.
  let connectionReactors: [Reactor]
  let limiter: ConnectionLimiter
  let store: MailStore
  let hasher: PasswordHasher
  let authenticator: Authenticator
  let configPath: String
  /// Signs what users of hosted domains submit; its domains follow reloads.
  let dkim: DKIMSigning
  private let current: Mutex<Snapshot>

  init(
    configPath: String, config: PostaConfig, tls: TLSContext, store: MailStore,
    authSecret: [UInt8], logger: Logger
  ) throws {
    self.configPath = configPath
    self.logger = logger
    self.store = store
    self.hasher = PasswordHasher()
    self.authenticator = try Authenticator(
      source: StoreCredentialSource(store: store), hasher: hasher,
      logger: logger.component("auth"), secret: authSecret)
    let reactor = try Reactor()
    self.reactor = reactor
    let cores = min(max(ProcessInfo.processInfo.activeProcessorCount, 1), 4)
    self.connectionReactors = try [reactor] + (1..<cores).map { _ in try Reactor() }
    self.limiter = ConnectionLimiter(
      maxTotal: config.limits.maxConnections, maxPerIP: config.limits.maxConnectionsPerIP)
    self.current = Mutex(Snapshot(config: config, tls: tls))
    self.dkim = OutboundSetup.signing(config)
  }

  /// The configuration and TLS context in force now; a session takes one
  /// snapshot and keeps it, so a reload never changes a session midway.
  var snapshot: Snapshot { current.withLock { $0 } }
  var config: PostaConfig { snapshot.config }

  /// `[delivery]` without the lines its file references were named on, so an edit that
  /// only moves lines is not reported as a change.
  private static func comparable(_ delivery: DeliveryConfig) -> DeliveryConfig {
    var d = delivery
    d.smarthost?.passwordFile?.line = nil
    d.smarthost?.caFile?.line = nil
    return d
  }

  /// Reloads the configuration file. A broken file, or certificates that
  /// cannot be loaded, are logged and the running configuration is kept.
  func reload() async {
    let path = configPath
    let loaded: Snapshot
    do {
      loaded = try await offload {
        let config = try PostaConfig.load(path: path)
        return Snapshot(config: config, tls: try TLSSetup.makeContext(config))
      }
    } catch let e as ConfigErrors {
      for error in e.errors {
        logger.error("reload.failed", ("error", error.description))
      }
      logger.error("reload.failed", ("keeping", "running configuration"))
      return
    } catch {
      logger.error(
        "reload.failed", ("error", "\(error)"), ("keeping", "running configuration"))
      return
    }
    let old = current.withLock { s in
      let old = s.config
      s = loaded
      return old
    }
    let new = loaded.config
    limiter.limits = .init(
      total: new.limits.maxConnections, perIP: new.limits.maxConnectionsPerIP)
    logger.sink.level = new.logLevel
    if new.listen != old.listen {
      logger.warning("reload.partial", ("reason", "listen addresses change only on restart"))
    }
    if new.domains.map(\.name) != old.domains.map(\.name) {
      do {
        try await store.setHostedDomains(new.domains.map(\.name))
      } catch {
        logger.error("reload.domains", ("error", "\(error)"))
      }
      let added = new.domains.map(\.name).filter { old.domain(named: $0) == nil }
      do {
        try await OutboundSetup.ensureKeys(new, domains: added)
      } catch {
        logger.error("reload.dkim", ("error", error.message))
      }
      dkim.setDomains(new.domains.map(\.name))
    }
    if new.dns != old.dns || Self.comparable(new.delivery) != Self.comparable(old.delivery) {
      logger.warning("reload.partial", ("reason", "[dns] and [delivery] change only on restart"))
    }
    if new.dataDir != old.dataDir {
      logger.warning("reload.partial", ("reason", "data_dir changes only on restart"))
    }
    logger.info(
      "reloaded", ("domains", new.domains.map(\.name).joined(separator: ",")),
      ("hosts", String(new.hostNames.count)))
  }
}
