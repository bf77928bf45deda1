import Testing

@testable import Config

@Suite struct ConfigSchemaTests {
  @Test func allKeysListsEveryTable() {
    #expect(
      ConfigSchema.allKeys == [
        "hostname", "data_dir", "log_level",
        "listen.smtp", "listen.submission", "listen.submissions", "listen.pop3", "listen.pop3s",
        "listen.imap", "listen.imaps", "listen.trusted_proxies",
        "tls.certificate.cert", "tls.certificate.key",
        "domain.name", "domain.smtp_host", "domain.pop3_host", "domain.imap_host",
        "limits.max_connections", "limits.max_connections_per_ip", "limits.smtp_idle_timeout",
        "limits.pop3_idle_timeout", "limits.imap_idle_timeout", "limits.smtp_line_length",
        "limits.pop3_line_length", "limits.imap_line_length", "limits.max_message_size",
        "limits.shutdown_timeout", "smtp.postmaster", "smtp.auth_on_mx",
        "smtp.require_sender_ownership", "dns.servers", "delivery.retry_intervals",
        "delivery.expiry", "delivery.delay_warning", "delivery.max_connections",
        "delivery.max_connections_per_destination", "delivery.tls", "delivery.route.domain",
        "delivery.route.host", "delivery.route.port", "delivery.smarthost.host",
        "delivery.smarthost.implicit_tls", "delivery.smarthost.username",
        "delivery.smarthost.password_file", "delivery.smarthost.domains",
        "delivery.smarthost.tls", "delivery.smarthost.ca_file", "dkim.selector_prefix",
        "dkim.ed25519",
      ])
  }

  @Test func keyNamesAreUniquePerTable() {
    for table in ConfigSchema.tables {
      #expect(Set(table.keys.map(\.name)).count == table.keys.count, "\(table.header)")
    }
  }

  /// Each built-in default goes through the same conversion as a value in the file.
  @Test func everyDefaultIsValid() {
    var config = PostaConfig.unset
    var problems: [Problem] = []
    let context = DecodeContext(directory: "/", systemHostName: "localhost")
    for table in ConfigSchema.tables { table.decode([], &config, context, &problems) }
    #expect(
      problems == [
        Problem(line: nil, message: "at least one [[domain]] is required", isConsequential: true)
      ])
  }

  @Test func referenceDocumentsEveryKey() {
    let reference = ConfigSchema.markdownReference()
    for table in ConfigSchema.tables {
      let heading = table.header.isEmpty ? "### Top level" : "### `\(table.header)`"
      #expect(reference.contains(heading), "\(heading)")
      for key in table.keys {
        #expect(reference.contains("| `\(key.name)` | "), "\(key.name)")
      }
    }
  }

  @Test func referenceRows() {
    let lines = ConfigSchema.markdownReference().split(separator: "\n").map(String.init)
    #expect(lines.first == "### Top level")
    #expect(
      lines.contains(
        "| `hostname` | host name | the machine's host name | The server's own name: greetings, "
          + "EHLO, and the self-signed certificate. |"))
    #expect(
      lines.contains(
        "| `log_level` | one of `debug`, `info`, `warn`, `error` | `\"info\"` | Least severe event "
          + "written to stderr. |"))
    #expect(lines.contains("### `[[domain]]` (1 or more)"))
    #expect(lines.contains("### `[[tls.certificate]]` (zero or more)"))
    #expect(
      lines.contains(
        "| `smtp` | list of listen addresses | `[\"0.0.0.0:25\"]` | Inbound mail from other "
          + "servers; STARTTLS offered. |"))
    #expect(lines.contains { $0.hasPrefix("| `max_message_size` | size | `\"50M\"` |") })
    #expect(lines.contains { $0.hasPrefix("| `smtp_line_length` | integer ≥ 512 | `4096` |") })
    #expect(lines.contains { $0.hasPrefix("| `smtp_idle_timeout` | duration ≥ 1s | `\"5m\"` |") })
    #expect(lines.contains { $0.hasPrefix("| `cert` | path | required |") })
    #expect(lines.contains { $0.hasPrefix("| `smtp_host` | host name | `smtp.<name>` |") })
    // Every table row has four cells: no stray '|' from a doc line.
    for line in lines where line.hasPrefix("| `") {
      let cells = line.replacing("\\|", with: "").split(
        separator: "|", omittingEmptySubsequences: false)
      #expect(cells.count == 6, "\(line)")
    }
  }
}
