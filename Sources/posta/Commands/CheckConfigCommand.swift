import Config

enum CheckConfigCommand {
  static let command = Command(
    "check-config",
    options: [
      .flag("verbose", "print the configuration as Posta understands it"),
      .flag("reference", "print the reference of every key (Markdown, as in README) and exit"),
    ],
    summary: "parse and validate the configuration file",
    help: """
      Prints every error as file:line: message and exits 78 (EX_CONFIG) if there is one.
      Also reads the files the configuration names for later (the smarthost's password_file
      and ca_file), so a missing file or a password file others can read is caught here.
      """
  ) { inv in
    if inv.flags.contains("reference") {
      printOut(ConfigSchema.markdownReference())
      return .ok
    }
    let config = try loadConfig(inv)
    let fileErrors = config.checkReferencedFiles(file: inv.configPath)
    if !fileErrors.isEmpty {
      throw CLIError(.config, "\n" + ConfigErrors(fileErrors).description)
    }
    if inv.flags.contains("verbose") {
      printOut(describe(config))
    }
    printOut("\(inv.configPath): ok")
    return .ok
  }

  /// The resolved configuration, one `key = value` line per setting.
  static func describe(_ c: PostaConfig) -> String {
    var lines = [
      "hostname = \(c.hostname)",
      "data_dir = \(c.dataDir)",
      "log_level = \(c.logLevel)",
    ]
    for s in ListenService.allCases {
      lines.append("listen.\(s.rawValue) = \(c.listen[s].map(\.description))")
    }
    lines.append("listen.trusted_proxies = \(c.listen.trustedProxies.map(\.description))")
    if c.certificates.isEmpty {
      lines.append("tls = self-signed under \(c.tlsDirectory)")
    }
    for cert in c.certificates { lines.append("tls.certificate = \(cert.cert) \(cert.key)") }
    for d in c.domains {
      lines.append("domain \(d.name): \(d.smtpHost) \(d.pop3Host) \(d.imapHost)")
    }
    lines.append(
      "dns.servers = "
        + (c.dns.servers.isEmpty ? "those of /etc/resolv.conf" : "\(c.dns.servers)"))
    let d = c.delivery
    lines += [
      "delivery.retry_intervals = " + d.retryIntervals.map(seconds).joined(separator: ", "),
      "delivery.expiry = \(seconds(d.expiry))",
      "delivery.delay_warning = \(d.delayWarning == .zero ? "off" : seconds(d.delayWarning))",
      "delivery.max_connections = \(d.maxConnections)",
      "delivery.max_connections_per_destination = \(d.maxConnectionsPerDestination)",
      "delivery.tls = \(d.tls.rawValue)",
    ]
    for r in d.routes { lines.append("delivery.route \(r.domain) -> \(r.host):\(r.port)") }
    if let s = d.smarthost {
      // Only where the password lives, never the password.
      let auth = s.passwordFile.map { "\(s.username), password in \($0.path)" } ?? "none"
      lines += [
        "delivery.smarthost = \(s.address)\(s.implicitTLS ? " (implicit TLS)" : "")",
        "delivery.smarthost.tls = \(s.tls.rawValue)"
          + (s.caFile.map { " (CAs from \($0.path))" } ?? ""),
        "delivery.smarthost.auth = \(auth)",
        "delivery.smarthost.domains = "
          + (s.domains.isEmpty ? "all" : s.domains.joined(separator: ", ")),
      ]
    } else {
      lines.append("delivery.smarthost = none (mail goes to MX hosts)")
    }
    return lines.joined(separator: "\n")
  }

  /// `90s` as seconds, the unit the config takes everywhere.
  private static func seconds(_ duration: Duration) -> String {
    "\(duration.components.seconds)s"
  }
}

/// Loads the configuration a command was given, turning errors into EX_CONFIG.
func loadConfig(_ inv: Invocation) throws(CLIError) -> PostaConfig {
  do {
    return try PostaConfig.load(path: inv.configPath)
  } catch {
    throw CLIError(.config, "\n" + error.description)
  }
}
