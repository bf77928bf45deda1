import Config
import DKIM
import DNS
import Delivery
import Lifecycle
import Log
import Net

/// The outbound queue runner as a `Service` of the server's group. It is started before
/// the listeners, so it is stopped after them: mail accepted during the grace period still
/// gets its first attempt.
struct QueueService: Service {
  let runner: QueueRunner
  var name: String { runner.name }

  func run() async throws { try await runner.run() }
  func beginShutdown() async { await runner.beginShutdown() }
}

/// Builds the outbound side from the configuration: the resolver, the delivery settings,
/// DKIM keys and the queue runner.
enum OutboundSetup {
  /// The resolver over `[dns] servers`, or the servers of /etc/resolv.conf when the list
  /// is empty.
  static func resolver(_ config: PostaConfig, reactor: Reactor, logger: Logger) throws(CLIError)
    -> Resolver
  {
    let configuration: ResolverConfiguration
    if config.dns.servers.isEmpty {
      configuration = .system()
    } else {
      do {
        configuration = ResolverConfiguration(
          servers: try ResolverConfiguration.servers(from: config.dns.servers))
      } catch {
        throw CLIError(.config, "[dns] servers: \(error)")
      }
    }
    return Resolver(configuration: configuration, reactor: reactor, logger: logger)
  }

  /// `[delivery]` and `[delivery.smarthost]` as the queue runner takes them. Reads the
  /// smarthost's password file, so it throws `CLIError(.config)` naming the file's line.
  static func deliverySettings(_ config: PostaConfig, configPath: String) throws(CLIError)
    -> DeliverySettings
  {
    var settings = DeliverySettings(hostname: config.hostname)
    let intervals = config.delivery.retryIntervals.map { max(1, $0.components.seconds) }
    let warning = config.delivery.delayWarning.components.seconds
    settings.retry = RetrySchedule(
      intervals: intervals.isEmpty ? RetrySchedule().intervals : intervals,
      expiry: max(0, config.delivery.expiry.components.seconds),
      delayWarning: warning > 0 ? warning : nil)
    settings.ownAddresses = ownMXAddresses(config)
    settings.maxConnections = config.delivery.maxConnections
    // Config keeps it within max_connections; the min guards a hand-built config.
    settings.maxConnectionsPerDestination = min(
      config.delivery.maxConnectionsPerDestination, config.delivery.maxConnections)
    let tls: OutboundTLSPolicy
    switch config.delivery.tls {
    case .opportunistic: tls = .opportunistic(plaintextFallback: true)
    // Required but unverified: MX certificates are rarely verifiable (RFC 7435).
    case .required: tls = .required(verify: false)
    case .none: tls = .disabled
    }
    settings.tls = tls
    settings.staticRoutes = config.delivery.routes.map {
      StaticRoute(domain: $0.domain, host: $0.host, port: UInt16(clamping: $0.port), tls: tls)
    }
    if let relay = config.delivery.smarthost {
      let password: String?
      do {
        password = try config.smarthostPassword(file: configPath)
      } catch {
        throw CLIError(.config, "\n" + error.description)
      }
      settings.smarthost = Smarthost(
        host: relay.host, port: UInt16(clamping: relay.port), implicitTLS: relay.implicitTLS,
        username: relay.username.isEmpty ? nil : relay.username, password: password,
        domains: relay.domains.isEmpty ? nil : relay.domains, tls: policy(relay.tls),
        trustedCertificatesPath: relay.caFile?.path)
    }
    return settings
  }

  /// The addresses our `smtp` listeners on port 25 take mail at: an MX host resolving to
  /// one of them is this server (a loop). Listeners on other ports are not what an MX
  /// lookup leads to. Names are resolved as the listeners resolve them (before ready).
  static func ownMXAddresses(_ config: PostaConfig) -> [IPAddress] {
    var own: [IPAddress] = []
    for listen in config.listen.smtp where listen.port == 25 {
      let resolved = (try? ListenAddressResolver.resolve(listen)) ?? []
      for address in resolved {
        if let ip = IPAddress(address.host), !own.contains(ip) { own.append(ip) }
      }
    }
    return own
  }

  /// `[delivery.smarthost] tls` as a route policy.
  static func policy(_ tls: SmarthostTLS) -> OutboundTLSPolicy {
    switch tls {
    case .verify: .required(verify: true)
    case .required: .required(verify: false)
    // Credentials are refused without TLS by the client, so falling back to plain text
    // only ever carries mail for a relay without AUTH.
    case .opportunistic: .opportunistic(plaintextFallback: true)
    case .none: .disabled
    }
  }

  /// The key store under `data_dir/dkim` with the configured selector prefix.
  static func keyStore(_ config: PostaConfig) -> DKIMKeyStore {
    DKIMKeyStore(dataDirectory: config.dataDir, selectorPrefix: config.dkim.selectorPrefix)
  }

  /// Makes a DKIM key for every domain that has none (the create-if-absent step `serve`
  /// runs before listening, a reload runs for new domains, and the CLI runs before
  /// printing records). Key generation blocks, so it runs off the cooperative pool.
  static func ensureKeys(_ config: PostaConfig, domains: [String]) async throws(CLIError) {
    let store = keyStore(config)
    let ed25519 = config.dkim.ed25519
    do {
      try await offload {
        for domain in domains { _ = try store.ensureKeys(for: domain, ed25519: ed25519) }
      }
    } catch {
      throw CLIError(.cantCreate, "DKIM keys in \(store.directory): \(error)")
    }
  }

  /// The signer for mail of the hosted domains.
  static func signing(_ config: PostaConfig) -> DKIMSigning {
    DKIMSigning(
      keyStore: keyStore(config), domains: config.domains.map(\.name),
      ed25519: config.dkim.ed25519)
  }
}
