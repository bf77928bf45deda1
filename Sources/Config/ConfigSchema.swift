import Log

/// Every configuration key, declared once: table, key, type, default and a one-line doc.
/// Reading, defaults, "unknown key" errors and the README reference all come from here.
///
/// Adding a key to an existing table: one line below, plus the field it fills. Adding a
/// table (`[smtp]`, `[queue]`, …): a struct with `static let unset`, a field in
/// `PostaConfig`, and a `TableSpec` appended to `sections`.
public enum ConfigSchema {
  static let root = TableSpec.root(
    doc: "Keys at the top of the file, before any table.",
    keys: [
      .hostName(
        "hostname", \.hostname, default: .computed("the machine's host name"),
        doc: "The server's own name: greetings, EHLO, and the self-signed certificate."),
      .path(
        "data_dir", \.dataDir, default: "/var/lib/posta",
        doc: "Database, messages, keys and generated certificates (relative: to this file)."),
      .choice(
        "log_level", \.logLevel, options: ["debug", "info", "warn", "error"], default: "info",
        doc: "Least severe event written to stderr.", make: { LogLevel(name: $0) }),
    ],
    finish: { config, source, context, problems in
      guard source["hostname"] == nil else { return }
      switch HostName.validate(context.systemHostName) {
      case .success(let name): config.hostname = name
      case .failure(let error):
        let name = Quote.string(context.systemHostName)
        problems.append(
          Problem(
            line: nil,
            message: "hostname: the machine's host name \(name) cannot be used "
              + "(\(error.reason)); set hostname in the file"))
      }
    })

  static let listen = TableSpec.table(
    "listen",
    doc: "Addresses per service, each \"host:port\" (IPv4, [IPv6]:port or a host name). "
      + "An empty list turns the service off.",
    into: \.listen, start: .unset,
    keys: [
      .listenList(
        "smtp", \.smtp, default: ["0.0.0.0:25"],
        doc: "Inbound mail from other servers; STARTTLS offered."),
      .listenList(
        "submission", \.submission, default: ["0.0.0.0:587"],
        doc: "Mail from your users' clients, STARTTLS then AUTH (RFC 6409)."),
      .listenList(
        "submissions", \.submissions, default: ["0.0.0.0:465"],
        doc: "Submission over implicit TLS (RFC 8314)."),
      .listenList("pop3", \.pop3, default: ["0.0.0.0:110"], doc: "POP3; STLS offered."),
      .listenList("pop3s", \.pop3s, default: ["0.0.0.0:995"], doc: "POP3 over implicit TLS."),
      .listenList("imap", \.imap, default: ["0.0.0.0:143"], doc: "IMAP; STARTTLS offered."),
      .listenList("imaps", \.imaps, default: ["0.0.0.0:993"], doc: "IMAP over implicit TLS."),
      .cidrList(
        "trusted_proxies", \.trustedProxies, default: [],
        doc: "Networks (\"10.0.0.0/8\", \"::1\") whose connections start with a PROXY "
          + "protocol header naming the real client."),
    ],
    check: { entries, problems in
      // Two listeners on one address would fail at bind; say so while checking the file.
      guard let (listen, source) = entries.first else { return }
      var owner: [ListenAddress: ListenService] = [:]
      for service in ListenService.allCases {
        var lines: [Int] = []
        if case .array(let items)? = source[service.rawValue]?.kind { lines = items.map(\.line) }
        for (index, address) in listen[service].enumerated() {
          guard let other = owner[address] else {
            owner[address] = service
            continue
          }
          let clash = other == service ? "is listed twice" : "is also used by \(other.rawValue)"
          problems.append(
            Problem(
              line: index < lines.count ? lines[index] : nil,
              message: "[listen] \(service.rawValue): \(address) \(clash)"))
        }
      }
    })

  static let certificates = TableSpec.array(
    "tls.certificate", minimum: 0,
    doc: "A certificate and key, PEM files; SNI picks one by the names inside it. With none, "
      + "a self-signed certificate is made under `data_dir/tls` and reused.",
    into: \.certificates, start: .unset,
    keys: [
      .path("cert", \.cert, default: .required, doc: "Certificate file, leaf first, then chain."),
      .path("key", \.key, default: .required, doc: "Private key file."),
    ])

  static let domains = TableSpec.array(
    "domain", minimum: 1,
    doc: "A mail domain this server hosts; at least one is required.",
    into: \.domains, start: .unset,
    keys: [
      .hostName("name", \.name, default: .required, doc: "The domain, the part after @."),
      .hostName(
        "smtp_host", \.smtpHost, default: .computed("`smtp.<name>`"),
        doc: "Host name for SMTP and submission: SNI certificate and greeting name."),
      .hostName(
        "pop3_host", \.pop3Host, default: .computed("`pop3.<name>`"),
        doc: "Host name for POP3."),
      .hostName(
        "imap_host", \.imapHost, default: .computed("`imap.<name>`"),
        doc: "Host name for IMAP."),
    ],
    finish: { domain, source, _, problems in
      domain = DomainConfig(
        name: domain.name,
        smtpHost: source["smtp_host"] == nil ? nil : domain.smtpHost,
        pop3Host: source["pop3_host"] == nil ? nil : domain.pop3Host,
        imapHost: source["imap_host"] == nil ? nil : domain.imapHost)
      // A name near 253 characters leaves no room for the "smtp." of the default.
      for (key, host) in zip(["smtp_host", "pop3_host", "imap_host"], domain.hostNames)
      where source[key] == nil {
        if case .failure(let error) = HostName.validate(host) {
          problems.append(
            Problem(
              line: source["name"]?.line,
              message: "[[domain]] \(key): the default \(Quote.string(host)) is not a valid "
                + "host name (\(error.reason)); set \(key)"))
        }
      }
    },
    check: { entries, problems in
      var firstLine: [String: Int] = [:]
      for (domain, source) in entries {
        let line = source["name"]?.line ?? source.line
        if let first = firstLine[domain.name] {
          problems.append(
            Problem(
              line: line,
              message: "[[domain]] name: duplicate domain \(Quote.string(domain.name)) "
                + "(first on line \(first))"))
        } else {
          firstLine[domain.name] = line
        }
      }
    })

  static let limits = TableSpec.table(
    "limits",
    doc: "Connection limits, timeouts and sizes. Over a connection limit a client gets the "
      + "protocol's busy reply.",
    into: \.limits, start: .unset,
    keys: [
      .integer(
        "max_connections", \.maxConnections, default: 15_000, min: 1,
        doc: "Open connections across all listeners."),
      .integer(
        "max_connections_per_ip", \.maxConnectionsPerIP, default: 1_000, min: 1,
        doc: "Open connections from one client address."),
      .duration(
        "smtp_idle_timeout", \.smtpIdleTimeout, default: "5m",
        doc: "Silence before an SMTP connection is closed (RFC 5321 §4.5.3.2: 5 minutes)."),
      .duration(
        "pop3_idle_timeout", \.pop3IdleTimeout, default: "10m",
        doc: "Silence before a POP3 connection is closed (RFC 1939 §3: 10 minutes)."),
      .duration(
        "imap_idle_timeout", \.imapIdleTimeout, default: "30m",
        doc: "Silence before an IMAP connection is closed (RFC 9051 §5.4: 30 minutes)."),
      .integer(
        "smtp_line_length", \.smtpLineLength, default: 4096, min: 512,
        doc: "Longest SMTP command line in bytes (RFC 5321 §4.5.3.1.4: 512, plus extensions)."),
      .integer(
        "pop3_line_length", \.pop3LineLength, default: 255, min: 255,
        doc: "Longest POP3 command line in bytes (RFC 2449 §4: 255)."),
      .integer(
        "imap_line_length", \.imapLineLength, default: 65_536, min: 8192,
        doc:
          "Longest IMAP command line in bytes, literals apart (RFC 7162 §4: clients send ≤ 8192)."
      ),
      .size(
        "max_message_size", \.maxMessageSize, default: "50M",
        doc: "Largest message accepted (SMTP SIZE, IMAP APPEND)."),
      .duration(
        "shutdown_timeout", \.shutdownTimeout, default: "10s", min: 0,
        doc: "After SIGTERM, how long sessions may finish before they are closed."),
    ])

  static let smtp = TableSpec.table(
    "smtp",
    doc: "SMTP policy. Relaying always needs AUTH; there are no trusted networks.",
    into: \.smtp, start: .unset,
    keys: [
      .string(
        "postmaster", \.postmaster, default: "",
        doc: "Account for postmaster@<domain> when none exists (empty: the domain's oldest)."),
      .bool(
        "auth_on_mx", \.authOnMX, default: false,
        doc: "Offer AUTH on the MX port too (only after STARTTLS)."),
      .bool(
        "require_sender_ownership", \.requireSenderOwnership, default: true,
        doc: "Authenticated users may send only as their own addresses and aliases."),
    ])

  static let dns = TableSpec.table(
    "dns", doc: "The resolver used for outbound mail.", into: \.dns, start: .unset,
    keys: [
      .nameServerList(
        "servers", \.servers, default: [],
        doc: "Recursive name servers to ask, in order; empty: those of /etc/resolv.conf.")
    ])

  static let delivery = TableSpec.table(
    "delivery", doc: "The outbound queue: retries, expiry and TLS towards other servers.",
    into: \.delivery, start: .unset,
    keys: [
      .durationList(
        "retry_intervals", \.retryIntervals,
        default: [.string("1m"), .string("5m"), .string("15m"), .string("30m"), .string("1h")],
        doc: "Waits between attempts; the last one repeats."),
      .duration(
        "expiry", \.expiry, default: "5d",
        doc: "How long a message is retried before it bounces (RFC 5321 §4.5.4.1: 4–5 days)."),
      .duration(
        "delay_warning", \.delayWarning, default: "4h", min: 0,
        doc: "After this long in the queue the sender is told once that a message is still "
          + "undelivered (a DSN with Action: delayed); 0 sends no warning. Shorter than expiry."),
      .integer(
        "max_connections", \.maxConnections, default: 20, min: 1,
        doc: "Outbound connections open at once."),
      .integer(
        "max_connections_per_destination", \.maxConnectionsPerDestination, default: 4, min: 1,
        doc: "Outbound connections open at once to one domain's MX hosts, one route or the "
          + "smarthost; at most max_connections (the default is lowered to it)."),
      .choice(
        "tls", \.tls, options: ["opportunistic", "required", "none"], default: "opportunistic",
        doc: "STARTTLS towards MX hosts: when offered, mandatory, or never (RFC 7435).",
        make: { DeliveryTLS(rawValue: $0) }),
    ],
    finish: { delivery, source, _, problems in
      if delivery.maxConnectionsPerDestination > delivery.maxConnections {
        if let given = source["max_connections_per_destination"] {
          problems.append(
            Problem(
              line: given.line,
              message: "[delivery] max_connections_per_destination: must be at most "
                + "max_connections (\(delivery.maxConnections)), found "
                + "\(delivery.maxConnectionsPerDestination)"))
        } else {
          delivery.maxConnectionsPerDestination = delivery.maxConnections
        }
      }
      // The runner sends no warning once the message has expired, so such a value would
      // silently never apply.
      if delivery.delayWarning > .zero, delivery.delayWarning >= delivery.expiry {
        let line = source["delay_warning"]?.line ?? source["expiry"]?.line
        let warning = Convert.durationText(seconds: Int(delivery.delayWarning.components.seconds))
        let expiry = Convert.durationText(seconds: Int(delivery.expiry.components.seconds))
        problems.append(
          Problem(
            line: line,
            message: "[delivery] delay_warning: \(warning) is not shorter than expiry "
              + "(\(expiry)), so it would never be sent; shorten it, or write 0 to turn it off"))
      }
    })

  static let smarthost = TableSpec.optionalTable(
    "delivery.smarthost",
    doc: "A relay for outbound mail, for hosts whose port 25 is blocked: mail for `domains` "
      + "(all mail if empty) goes to `host` with AUTH over verified TLS instead of the MX "
      + "hosts. `[[delivery.route]]` entries still win. Without this table mail goes by MX.",
    into: \.delivery.smarthost, start: .unset,
    keys: [
      .hostPort(
        "host", \.endpoint, default: .required,
        doc: "The relay, `host` or `host:port` (`[host]:port` and `[ipv6]:port` too); the port "
          + "defaults to 587, or 465 with implicit_tls."),
      .bool(
        "implicit_tls", \.implicitTLS, default: false,
        doc: "TLS from the first byte (port 465, RFC 8314) instead of STARTTLS."),
      .string(
        "username", \.username, default: "",
        doc: "The AUTH PLAIN user; empty: relay without AUTH."),
      .file(
        "password_file", \.passwordFile, default: .computed("none"),
        doc: "File whose first line is the password; required with username. Others must "
          + "have no access and the group no write access (chmod 600 or 640), or "
          + "check-config and serve refuse it."),
      .hostNameList(
        "domains", \.domains, default: [],
        doc: "Recipient domains relayed; empty: every domain not hosted here."),
      .choice(
        "tls", \.tls, options: ["verify", "required", "opportunistic", "none"],
        default: "verify",
        doc: "`verify`: TLS with a certificate trusted by the system store (or ca_file) naming "
          + "the host; `required`: TLS, any certificate; `opportunistic`: STARTTLS if offered; "
          + "`none`: plain text, only without AUTH. Credentials never go out without TLS.",
        make: { SmarthostTLS(rawValue: $0) }),
      .file(
        "ca_file", \.caFile, default: .computed("the system CA store"),
        doc: "PEM file of CAs to trust for the relay instead of the system store (with "
          + "tls = \"verify\")."),
    ],
    finish: { smarthost, source, _, problems in
      if smarthost.port == 0 { smarthost.port = smarthost.implicitTLS ? 465 : 587 }
      let subject = "[delivery.smarthost]"
      switch (smarthost.username.isEmpty, smarthost.passwordFile) {
      case (false, nil):
        problems.append(
          Problem(
            line: source["username"]?.line,
            message: "\(subject) username: needs password_file, a file holding the password"))
      case (true, .some(let file)):
        problems.append(
          Problem(
            line: file.line,
            message: "\(subject) password_file: is only used with username; set username too"))
      default: break
      }
      if smarthost.tls == .none, !smarthost.username.isEmpty {
        problems.append(
          Problem(
            line: source["tls"]?.line,
            message: "\(subject) tls: \"none\" would send the password in clear, which Posta "
              + "never does; use \"verify\" (or remove username)"))
      }
      if smarthost.tls == .none, smarthost.implicitTLS {
        problems.append(
          Problem(
            line: source["implicit_tls"]?.line,
            message: "\(subject) implicit_tls: contradicts tls = \"none\""))
      }
      if let ca = smarthost.caFile, smarthost.tls != .verify {
        problems.append(
          Problem(
            line: ca.line,
            message: "\(subject) ca_file: only used with tls = \"verify\", but tls is "
              + "\"\(smarthost.tls.rawValue)\""))
      }
    })

  static let routes = TableSpec.array(
    "delivery.route", minimum: 0,
    doc: "A static route: mail for `domain` goes to `host:port` instead of its MX hosts.",
    into: \.delivery.routes, start: .unset,
    keys: [
      .hostName("domain", \.domain, default: .required, doc: "The recipient domain."),
      .string("host", \.host, default: .required, doc: "An IP address or host name."),
      .integer("port", \.port, default: 25, min: 1, doc: "The port."),
    ],
    finish: { route, source, _, problems in
      if route.port > 65_535 {
        problems.append(
          Problem(
            line: source["port"]?.line,
            message: "[[delivery.route]] port: must be at most 65535, found \(route.port)"))
      }
      if route.host.isEmpty {
        problems.append(
          Problem(line: source["host"]?.line, message: "[[delivery.route]] host: is empty"))
      }
    })

  static let dkim = TableSpec.table(
    "dkim", doc: "DKIM signing of mail your users send (keys live under `data_dir/dkim`).",
    into: \.dkim, start: .unset,
    keys: [
      .string(
        "selector_prefix", \.selectorPrefix, default: "posta",
        doc: "New selectors are this prefix, the UTC date and a letter (`posta20261127a`)."),
      .bool(
        "ed25519", \.ed25519, default: false,
        doc: "Also sign with an Ed25519 key (RFC 8463)."),
    ])

  /// The tables after the top level, in reference order.
  static let sections: [TableSpec] = [
    listen, certificates, domains, limits, smtp, dns, delivery, routes, smarthost, dkim,
  ]

  static var tables: [TableSpec] { [root] + sections }

  /// Every key as `table.key` (`hostname`, `listen.smtp`, `tls.certificate.cert`), in
  /// reference order.
  public static var allKeys: [String] {
    tables.flatMap { table in
      table.keys.map { table.name.isEmpty ? $0.name : "\(table.name).\($0.name)" }
    }
  }

  /// A configuration with every key at its default (no domains, host name "localhost").
  static var defaults: PostaConfig {
    var config = PostaConfig.unset
    var problems: [Problem] = []
    let context = DecodeContext(directory: "/", systemHostName: "localhost")
    for table in tables { table.decode([], &config, context, &problems) }
    return config
  }
}
