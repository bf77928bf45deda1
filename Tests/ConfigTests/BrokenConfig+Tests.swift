import Testing

@testable import Config

/// Broken files and the exact `file:line: message` lines `check-config` prints for them.
@Suite struct BrokenConfigTests {
  struct Case: Sendable, CustomTestStringConvertible {
    var name: String
    var text: String
    var errors: [String]
    var testDescription: String { name }

    /// `text` followed by a valid domain, for cases about something else.
    init(_ name: String, _ text: String, _ errors: [String], withDomain: Bool = true) {
      self.name = name
      self.text = withDomain ? text + "\n" + Fixture.domain : text
      self.errors = errors
    }
  }

  static let cases: [Case] = [
    Case(
      "unknown key with a suggestion", "[limits]\nmax_conections = 5",
      ["posta.conf:2: [limits] max_conections: unknown key (did you mean max_connections?)"]),
    Case(
      "unknown top-level key", "hostnme = \"a.test\"",
      ["posta.conf:1: hostnme: unknown key (did you mean hostname?)"]),
    Case(
      "unknown key, no suggestion", "[listen]\nfoo = 1", ["posta.conf:2: [listen] foo: unknown key"]
    ),
    Case(
      "unknown table with a suggestion", "[limit]\nmax_connections = 5",
      ["posta.conf:1: [limit]: unknown table (did you mean [limits]?)"]),
    Case(
      "unknown table", "[frobnicate]",
      [
        "posta.conf:1: [frobnicate]: unknown table; known tables: [listen], "
          + "[[tls.certificate]], [[domain]], [limits], [smtp], [dns], [delivery], "
          + "[[delivery.route]], [delivery.smarthost], [dkim]"
      ]),
    Case(
      "unknown array of tables", "[[smtp.route]]\nx = 1",
      ["posta.conf:1: [[smtp.route]]: unknown table"]),
    Case("unknown sub-table", "[limits.smtp]", ["posta.conf:1: [limits.smtp]: unknown table"]),
    Case(
      "unknown key under a table prefix", "[tls]\nciphers = \"x\"",
      ["posta.conf:2: [tls] ciphers: unknown key"]),
    Case(
      "table written as a value", "limits = 5",
      ["posta.conf:1: limits: expected a [limits] table, found an integer"]),
    Case(
      "table prefix written as a value", "tls = true",
      ["posta.conf:1: tls: expected a table, found a boolean"]),
    Case(
      "single table written as an array", "[[limits]]",
      ["posta.conf:1: [[limits]]: write [limits]; there is only one"]),
    Case(
      "array written as a single table", "[domain]\nname = \"example.test\"",
      [
        "posta.conf:1: [domain]: write [[domain]]; there may be several",
        "posta.conf: at least one [[domain]] is required",
      ], withDomain: false),
    Case(
      "integer as a string", "[limits]\nmax_connections = \"many\"",
      ["posta.conf:2: [limits] max_connections: expected an integer, found a string"]),
    Case(
      "boolean as a host name", "hostname = true",
      ["posta.conf:1: hostname: expected a string, found a boolean"]),
    Case(
      "top-level key written as a table", "[hostname]",
      ["posta.conf:1: hostname: expected a string, found a table"]),
    Case(
      "list as a string", "[listen]\nsmtp = \"127.0.0.1:25\"",
      ["posta.conf:2: [listen] smtp: expected an array of strings, found a string"]),
    Case(
      "list of integers", "[listen]\nsmtp = [25]",
      ["posta.conf:2: [listen] smtp: expected strings in the array, found an integer"]),
    Case(
      "listen address without port", "[listen]\nsmtp = [\"127.0.0.1\"]",
      ["posta.conf:2: [listen] smtp: \"127.0.0.1\" has no port (write host:port)"]),
    Case(
      "listen port out of range", "[listen]\nimap = [\"127.0.0.1:99999\"]",
      ["posta.conf:2: [listen] imap: \"127.0.0.1:99999\" has a bad port (1–65535)"]),
    Case(
      "listen port zero", "[listen]\nimap = [\"127.0.0.1:0\"]",
      ["posta.conf:2: [listen] imap: \"127.0.0.1:0\" has a bad port (1–65535)"]),
    Case(
      "IPv6 without brackets", "[listen]\nimaps = [\"::1:993\"]",
      ["posta.conf:2: [listen] imaps: \"::1:993\": put an IPv6 address in brackets, as in [::1]:25"]
    ),
    Case(
      "bad IPv6 in brackets", "[listen]\nimaps = [\"[::g]:993\"]",
      ["posta.conf:2: [listen] imaps: \"[::g]:993\" has a bad IPv6 address in brackets"]),
    Case(
      "bad IPv4", "[listen]\npop3 = [\"127.0.0.256:110\"]",
      ["posta.conf:2: [listen] pop3: \"127.0.0.256:110\" has a bad IPv4 address"]),
    Case(
      "bad listen host name", "[listen]\npop3 = [\"my_host:110\"]",
      ["posta.conf:2: [listen] pop3: \"my_host:110\" has a bad host name: it contains '_'"]),
    Case(
      "empty listen host", "[listen]\npop3 = [\":110\"]",
      [
        "posta.conf:2: [listen] pop3: \":110\" has no host "
          + "(use 0.0.0.0 for every IPv4 address, [::] for IPv6)"
      ]),
    Case(
      "bad address on its own line of a list",
      "[listen]\nimap = [\n  \"127.0.0.1:143\",\n  \"127.0.0.1:\",\n]",
      ["posta.conf:4: [listen] imap: \"127.0.0.1:\" has a bad port (1–65535)"]),
    Case(
      "address used twice",
      "[listen]\nsmtp = [\"127.0.0.1:2525\"]\nsubmission = [\n  \"127.0.0.1:2525\",\n]",
      ["posta.conf:4: [listen] submission: 127.0.0.1:2525 is also used by smtp"]),
    Case(
      "address listed twice", "[listen]\nsmtp = [\"[::1]:2525\", \"[0::1]:2525\"]",
      ["posta.conf:2: [listen] smtp: [::1]:2525 is listed twice"]),
    Case(
      "address clashing with a default", "[listen]\nsmtp = [\"0.0.0.0:587\"]",
      ["posta.conf: [listen] submission: 0.0.0.0:587 is also used by smtp"]),
    Case(
      "CIDR prefix too long", "[listen]\ntrusted_proxies = [\"10.0.0.0/33\"]",
      [
        "posta.conf:2: [listen] trusted_proxies: \"10.0.0.0/33\" has a bad prefix length (0–32 after '/')"
      ]),
    Case(
      "CIDR that is no address", "[listen]\ntrusted_proxies = [\"proxy.example.test\"]",
      [
        "posta.conf:2: [listen] trusted_proxies: \"proxy.example.test\" is not an IP address or network"
      ]),
    Case(
      "IPv6 CIDR prefix too long", "[listen]\ntrusted_proxies = [\"::/129\"]",
      [
        "posta.conf:2: [listen] trusted_proxies: \"::/129\" has a bad prefix length (0–128 after '/')"
      ]),
    Case(
      "no domain", "hostname = \"a.test\"",
      ["posta.conf: at least one [[domain]] is required"], withDomain: false),
    Case(
      "duplicate domain", "[[domain]]\nname = \"Example.TEST\"",
      ["posta.conf:4: [[domain]] name: duplicate domain \"example.test\" (first on line 2)"]),
    Case(
      "domain without a name", "[[domain]]\nsmtp_host = \"mx.a.test\"",
      ["posta.conf:1: [[domain]] name: required key is missing"], withDomain: false),
    Case(
      "bad domain name", "[[domain]]\nname = \"exa_mple.test\"",
      [
        "posta.conf:2: [[domain]] name: \"exa_mple.test\" is not a valid host name: it contains '_'"
      ],
      withDomain: false),
    Case(
      "domain with an empty label", "[[domain]]\nname = \"a..test\"",
      [
        "posta.conf:2: [[domain]] name: \"a..test\" is not a valid host name: it has an empty label"
      ],
      withDomain: false),
    Case(
      "domain with a trailing dot", "[[domain]]\nname = \"example.test.\"",
      [
        "posta.conf:2: [[domain]] name: \"example.test.\" is not a valid host name: "
          + "it ends with '.' (leave the dot out)"
      ], withDomain: false),
    Case(
      "domain with a trailing hyphen", "[[domain]]\nname = \"a-.test\"",
      [
        "posta.conf:2: [[domain]] name: \"a-.test\" is not a valid host name: "
          + "label \"a-\" starts or ends with '-'"
      ], withDomain: false),
    Case(
      "domain that is an address", "[[domain]]\nname = \"10.0.0.1\"",
      [
        "posta.conf:2: [[domain]] name: \"10.0.0.1\" is not a valid host name: "
          + "it looks like an IP address"
      ], withDomain: false),
    Case(
      "domain label too long", "[[domain]]\nname = \"\(String(repeating: "a", count: 64)).test\"",
      [
        "posta.conf:2: [[domain]] name: \"\(String(repeating: "a", count: 64)).test\" is not a "
          + "valid host name: a label is longer than 63 characters"
      ], withDomain: false),
    Case(
      "domain too long for its default host names",
      "[[domain]]\nname = \"\(longDomain)\"",
      [
        "posta.conf:2: [[domain]] smtp_host: the default \"smtp.\(longDomain)\" is not a valid "
          + "host name (it is longer than 253 characters); set smtp_host",
        "posta.conf:2: [[domain]] pop3_host: the default \"pop3.\(longDomain)\" is not a valid "
          + "host name (it is longer than 253 characters); set pop3_host",
        "posta.conf:2: [[domain]] imap_host: the default \"imap.\(longDomain)\" is not a valid "
          + "host name (it is longer than 253 characters); set imap_host",
      ], withDomain: false),
    Case(
      "bad size", "[limits]\nmax_message_size = \"50X\"",
      [
        "posta.conf:2: [limits] max_message_size: \"50X\" is not a size "
          + "(bytes, or a number with K, M, G or T, as in \"50M\")"
      ]),
    Case(
      "size as a boolean", "[limits]\nmax_message_size = true",
      [
        "posta.conf:2: [limits] max_message_size: expected a size (\"50M\" or a number of bytes), "
          + "found a boolean"
      ]),
    Case(
      "size too large", "[limits]\nmax_message_size = \"99999999999T\"",
      [
        "posta.conf:2: [limits] max_message_size: \"99999999999T\" is not a size "
          + "(bytes, or a number with K, M, G or T, as in \"50M\")"
      ]),
    Case(
      "size zero", "[limits]\nmax_message_size = 0",
      ["posta.conf:2: [limits] max_message_size: must be at least 1 byte, found 0 bytes"]),
    Case(
      "bad duration", "[limits]\nsmtp_idle_timeout = \"5 minutes\"",
      [
        "posta.conf:2: [limits] smtp_idle_timeout: \"5 minutes\" is not a duration "
          + "(seconds, or a number with s, m, h or d, as in \"30s\")"
      ]),
    Case(
      "negative duration", "[limits]\nimap_idle_timeout = -5",
      ["posta.conf:2: [limits] imap_idle_timeout: must be at least 1s, found -5s"]),
    Case(
      "SMTP line length under the RFC minimum", "[limits]\nsmtp_line_length = 100",
      ["posta.conf:2: [limits] smtp_line_length: must be at least 512, found 100"]),
    Case(
      "POP3 line length under the RFC minimum", "[limits]\npop3_line_length = 254",
      ["posta.conf:2: [limits] pop3_line_length: must be at least 255, found 254"]),
    Case(
      "zero connections", "[limits]\nmax_connections = 0",
      ["posta.conf:2: [limits] max_connections: must be at least 1, found 0"]),
    Case(
      "certificate without key", "[[tls.certificate]]\ncert = \"cert.pem\"",
      ["posta.conf:1: [[tls.certificate]] key: required key is missing"]),
    Case(
      "certificate with neither", "[[tls.certificate]]",
      [
        "posta.conf:1: [[tls.certificate]] cert: required key is missing",
        "posta.conf:1: [[tls.certificate]] key: required key is missing",
      ]),
    Case(
      "empty path", "[[tls.certificate]]\ncert = \"\"\nkey = \"k.pem\"",
      ["posta.conf:2: [[tls.certificate]] cert: the path is empty"]),
    Case(
      "home-relative path", "data_dir = \"~/posta\"",
      [
        "posta.conf:1: data_dir: '~' is not expanded; write the full path or one relative to this file"
      ]),
    Case(
      "bad log level", "log_level = \"verbose\"",
      ["posta.conf:1: log_level: \"verbose\" is not one of debug, info, warn, error"]),
    Case(
      "unquoted string", "log_level = debug",
      ["posta.conf:1: log_level: expected a value, found debug; put strings in quotes"]),
    Case(
      "unterminated string", "hostname = \"mail.example.test",
      ["posta.conf:1: hostname: unterminated string"]),
    Case(
      "unterminated string hides the missing domain it caused",
      "[[domain]]\nname = \"example.test",
      ["posta.conf:2: [[domain]] name: unterminated string"], withDomain: false),
    Case(
      "duplicate key", "hostname = \"a.test\"\nhostname = \"b.test\"",
      ["posta.conf:2: hostname: duplicate key (first set on line 1)"]),
    Case(
      "key redefined as a table", "hostname = \"a.test\"\n[hostname]",
      ["posta.conf:2: [hostname]: hostname is already a value (line 1), not a table"]),
    Case(
      "table defined twice", "[limits]\n[listen]\n[limits]",
      ["posta.conf:3: [limits]: table defined twice (first on line 1)"]),
    Case(
      "hostile value in a message is escaped", "hostname = \"a\\u001b[31mb\"",
      [
        "posta.conf:1: hostname: \"a\\u001B[31mb\" is not a valid host name: it contains U+001B"
      ]),
    Case(
      "every error in one run",
      """
      hostname = "a.test"
      [listen]
      smtp = ["127.0.0.1"]
      bogus = 1
      [limits]
      max_connections = 1.5
      max_message_size = "lots"
      [[tls.certificate]]
      cert = "c.pem"
      """,
      [
        "posta.conf:3: [listen] smtp: \"127.0.0.1\" has no port (write host:port)",
        "posta.conf:4: [listen] bogus: unknown key",
        "posta.conf:6: [limits] max_connections: floating-point numbers are not supported, found 1.5",
        "posta.conf:7: [limits] max_message_size: \"lots\" is not a size "
          + "(bytes, or a number with K, M, G or T, as in \"50M\")",
        "posta.conf:8: [[tls.certificate]] key: required key is missing",
      ]),
  ]

  @Test(arguments: cases)
  func reportsExactErrors(_ test: Case) {
    #expect(Fixture.errors(test.text) == test.errors)
  }

  /// A valid 251-character domain: no room left for "smtp." in front.
  static let longDomain =
    [63, 63, 63, 54].map { String(repeating: "a", count: $0) }.joined(separator: ".") + ".test"
}
