import Config
import DKIM

/// `posta dns DOMAIN` and `posta dkim rotate DOMAIN`. Both make the domain's DKIM key
/// first if it has none (the same create-if-absent step `serve` runs), so the records can
/// be published before the server ever starts.
enum DNSCommands {
  static let dns = Command(
    "dns", arguments: "DOMAIN", positional: 1...1,
    summary: "print the DNS records to publish for a domain, as zone-file lines",
    help: """
      MX, SPF, DKIM (every stored key, so a key kept after a rotation stays published),
      DMARC, the SRV records of RFC 6186 and RFC 8314, and A/AAAA lines for the SMTP, IMAP
      and POP3 host names, whose addresses you fill in. Creates the DKIM key if missing.
      """
  ) { inv in
    let config = try loadConfig(inv)
    let domain = try declaredDomain(inv.arguments[0], config: config, inv: inv)
    try await OutboundSetup.ensureKeys(config, domains: [domain.name])
    let keys: [DKIMKey]
    do {
      keys = try OutboundSetup.keyStore(config).storedKeys(for: domain.name)
    } catch {
      throw CLIError(.ioError, "DKIM keys of \(domain.name): \(error)")
    }
    printOut(records(domain, config: config, keys: keys).joined(separator: "\n"))
    return .ok
  }

  static let rotate = Command(
    "dkim rotate", arguments: "DOMAIN", positional: 1...1,
    summary: "make a new DKIM key and selector for a domain; the old key is kept",
    help: """
      The new selector signs from now on (a running server picks it up within a minute).
      Publish the printed record first; keep the old one published until mail signed with
      it has been delivered.
      """
  ) { inv in
    let config = try loadConfig(inv)
    let domain = try declaredDomain(inv.arguments[0], config: config, inv: inv)
    let store = OutboundSetup.keyStore(config)
    let ed25519 = config.dkim.ed25519
    let set: DKIMKeySet
    do {
      set = try await offload { try store.rotate(domain.name, ed25519: ed25519) }
    } catch {
      throw CLIError(.cantCreate, "DKIM rotation for \(domain.name): \(error)")
    }
    printOut("; new selector \(set.selector) for \(domain.name); publish:")
    printOut(DKIMRecords.dnsRecords(domain: domain.name, keys: set.keys).joined(separator: "\n"))
    return .ok
  }

  private static func declaredDomain(_ raw: String, config: PostaConfig, inv: Invocation)
    throws(CLIError) -> DomainConfig
  {
    guard let domain = config.domain(named: raw) else {
      throw StoreAccess.undeclared(raw.lowercased(), configFile: inv.configPath)
    }
    return domain
  }

  /// The zone-file lines for `domain`, each record on one line.
  static func records(_ domain: DomainConfig, config: PostaConfig, keys: [DKIMKey]) -> [String] {
    let name = domain.name + "."
    let smtp = domain.smtpHost + "."
    var lines = ["; DNS records for \(domain.name); publish them in its zone."]
    lines.append("\(name) IN MX 10 \(smtp)")
    lines.append(ZoneFile.txtLine(name: name, data: "v=spf1 mx -all"))
    lines += DKIMRecords.dnsRecords(domain: domain.name, keys: keys)
    lines.append(
      ZoneFile.txtLine(
        name: "_dmarc.\(name)",
        data: "v=DMARC1; p=quarantine; rua=mailto:postmaster@\(domain.name)"))
    // RFC 6186 §3, RFC 8314 §5.1: "." as target says the service is not offered.
    let services: [(String, ListenService, Int, String)] = [
      ("_submission", .submission, 587, domain.smtpHost),
      ("_submissions", .submissions, 465, domain.smtpHost),
      ("_imap", .imap, 143, domain.imapHost),
      ("_imaps", .imaps, 993, domain.imapHost),
      ("_pop3", .pop3, 110, domain.pop3Host),
      ("_pop3s", .pop3s, 995, domain.pop3Host),
    ]
    for (label, service, port, host) in services {
      let offered = !config.listen[service].isEmpty
      lines.append(
        "\(label)._tcp.\(name) IN SRV "
          + (offered ? "0 1 \(port) \(host)." : "0 0 0 ."))
    }
    lines.append("; Replace IPV4-ADDRESS and IPV6-ADDRESS with this server's public addresses")
    lines.append("; (leave out the AAAA lines if it has no IPv6).")
    var seen: Set<String> = []
    for host in [domain.smtpHost, domain.imapHost, domain.pop3Host] where seen.insert(host).inserted
    {
      lines.append("\(host). IN A IPV4-ADDRESS")
      lines.append("\(host). IN AAAA IPV6-ADDRESS")
    }
    return lines
  }
}
