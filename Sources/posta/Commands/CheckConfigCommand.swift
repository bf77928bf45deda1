import Config

enum CheckConfigCommand {
  static let command = Command(
    "check-config",
    options: [
      .flag("verbose", "print the configuration as Posta understands it"),
      .flag("reference", "print the reference of every key (Markdown, as in README) and exit"),
    ],
    summary: "parse and validate the configuration file",
    help: "Prints every error as file:line: message and exits 78 (EX_CONFIG) if there is one."
  ) { inv in
    if inv.flags.contains("reference") {
      printOut(ConfigSchema.markdownReference())
      return .ok
    }
    let config = try loadConfig(inv)
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
    return lines.joined(separator: "\n")
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
