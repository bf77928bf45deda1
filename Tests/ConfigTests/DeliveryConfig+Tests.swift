import Testing

@testable import Config

@Suite struct DeliveryConfigTests {
  @Test func defaultsWhenTablesAreAbsent() throws {
    let config = try Fixture.parse(Fixture.domain)
    #expect(config.dns.servers == [])
    #expect(
      config.delivery.retryIntervals.map { $0.components.seconds } == [60, 300, 900, 1800, 3600])
    #expect(config.delivery.expiry == .seconds(5 * 86_400))
    #expect(config.delivery.delayWarning == .seconds(4 * 3600))
    #expect(config.delivery.maxConnections == 20)
    #expect(config.delivery.maxConnectionsPerDestination == 4)
    #expect(config.delivery.tls == .opportunistic)
    #expect(config.delivery.routes == [])
    #expect(config.delivery.smarthost == nil)
    #expect(config.dkim == DKIMConfig(selectorPrefix: "posta", ed25519: false))
  }

  @Test func everyKeyRead() throws {
    let config = try Fixture.parse(
      Fixture.domain + """
        [dns]
        servers = ["127.0.0.1:5353"]
        [delivery]
        retry_intervals = [2, "3s", "1m"]
        expiry = "1h"
        delay_warning = "30m"
        max_connections = 3
        max_connections_per_destination = 2
        tls = "none"
        [[delivery.route]]
        domain = "Other.Test"
        host = "127.0.0.9"
        port = 2525
        [[delivery.route]]
        domain = "third.test"
        host = "mx.third.test"
        [dkim]
        selector_prefix = "mail"
        ed25519 = true
        """)
    #expect(config.dns.servers == ["127.0.0.1:5353"])
    #expect(config.delivery.retryIntervals == [.seconds(2), .seconds(3), .seconds(60)])
    #expect(config.delivery.expiry == .seconds(3600))
    #expect(config.delivery.delayWarning == .seconds(1800))
    #expect(config.delivery.maxConnections == 3)
    #expect(config.delivery.maxConnectionsPerDestination == 2)
    #expect(config.delivery.tls == DeliveryTLS.none)
    #expect(
      config.delivery.routes == [
        RouteConfig(domain: "other.test", host: "127.0.0.9", port: 2525),
        RouteConfig(domain: "third.test", host: "mx.third.test", port: 25),
      ])
    #expect(config.dkim == DKIMConfig(selectorPrefix: "mail", ed25519: true))
  }

  @Test func badValuesAreNamed() {
    #expect(
      Fixture.errors(Fixture.domain + "[delivery]\nretry_intervals = []")
        == ["posta.conf:4: [delivery] retry_intervals: the list is empty; give at least one"])
    #expect(
      Fixture.errors(Fixture.domain + "[delivery]\nretry_intervals = [\"1m\",\n \"soon\"]").first?
        .hasPrefix("posta.conf:5: [delivery] retry_intervals: \"soon\" is not a duration") == true)
    #expect(
      Fixture.errors(
        Fixture.domain + "[[delivery.route]]\ndomain = \"x.test\"\nhost = \"h\"\nport = 70000")
        == ["posta.conf:6: [[delivery.route]] port: must be at most 65535, found 70000"])
    #expect(
      Fixture.errors(Fixture.domain + "[delivery]\ntls = \"maybe\"")
        == ["posta.conf:4: [delivery] tls: \"maybe\" is not one of opportunistic, required, none"])
    #expect(
      Fixture.errors(Fixture.domain + "[delivery]\nbogus = 1")
        == ["posta.conf:4: [delivery] bogus: unknown key"])
  }

  @Test func delayWarningZeroTurnsItOff() throws {
    let config = try Fixture.parse(Fixture.domain + "[delivery]\ndelay_warning = 0")
    #expect(config.delivery.delayWarning == .zero)
    let text = try Fixture.parse(Fixture.domain + "[delivery]\ndelay_warning = \"0s\"")
    #expect(text.delivery.delayWarning == .zero)
  }

  @Test func delayWarningMustComeBeforeExpiry() {
    #expect(
      Fixture.errors(Fixture.domain + "[delivery]\nexpiry = \"1d\"\ndelay_warning = \"1d\"")
        == [
          "posta.conf:5: [delivery] delay_warning: 1d is not shorter than expiry (1d), so it "
            + "would never be sent; shorten it, or write 0 to turn it off"
        ])
    // Against the default 4h, a short expiry is named at its own line.
    #expect(
      Fixture.errors(Fixture.domain + "[delivery]\nexpiry = \"2h\"")
        == [
          "posta.conf:4: [delivery] delay_warning: 4h is not shorter than expiry (2h), so it "
            + "would never be sent; shorten it, or write 0 to turn it off"
        ])
    #expect(Fixture.errors(Fixture.domain + "[delivery]\nexpiry = \"2h\"\ndelay_warning = 0") == [])
    #expect(
      Fixture.errors(Fixture.domain + "[delivery]\ndelay_warning = \"soon\"").first?
        .hasPrefix("posta.conf:4: [delivery] delay_warning: \"soon\" is not a duration") == true)
    #expect(
      Fixture.errors(Fixture.domain + "[delivery]\ndelay_warning = -1")
        == ["posta.conf:4: [delivery] delay_warning: must be at least 0s, found -1s"])
  }

  @Test func connectionsPerDestination() throws {
    // The default 4 follows a smaller max_connections instead of failing.
    let lowered = try Fixture.parse(Fixture.domain + "[delivery]\nmax_connections = 2")
    #expect(lowered.delivery.maxConnectionsPerDestination == 2)
    let equal = try Fixture.parse(
      Fixture.domain + "[delivery]\nmax_connections = 2\nmax_connections_per_destination = 2")
    #expect(equal.delivery.maxConnectionsPerDestination == 2)
    #expect(
      Fixture.errors(
        Fixture.domain + "[delivery]\nmax_connections = 2\nmax_connections_per_destination = 3")
        == [
          "posta.conf:5: [delivery] max_connections_per_destination: must be at most "
            + "max_connections (2), found 3"
        ])
    #expect(
      Fixture.errors(Fixture.domain + "[delivery]\nmax_connections_per_destination = 0")
        == ["posta.conf:4: [delivery] max_connections_per_destination: must be at least 1, found 0"]
    )
  }
}

@Suite struct NameServerConfigTests {
  @Test func entriesAreCanonical() throws {
    let config = try Fixture.parse(
      Fixture.domain + """
        [dns]
        servers = ["127.0.0.1:5353", "192.0.2.1", "::1", "[2001:DB8::1]:54", "[::1]", "localhost",
          "localhost:5300", "[192.0.2.7]:53"]
        """)
    #expect(
      config.dns.servers == [
        "127.0.0.1:5353", "192.0.2.1:53", "[::1]:53", "[2001:db8::1]:54", "[::1]:53",
        "127.0.0.1:53", "127.0.0.1:5300", "192.0.2.7:53",
      ])
  }

  @Test func badEntriesAreNamedAtTheirLine() {
    let cases: [(String, String)] = [
      ("127.0.0.1:99999", "\"127.0.0.1:99999\" has a bad port (1–65535)"),
      ("127.0.0.1:0", "\"127.0.0.1:0\" has a bad port (1–65535)"),
      ("127.0.0.1:", "\"127.0.0.1:\" has a bad port (1–65535)"),
      ("127.0.0.1:dns", "\"127.0.0.1:dns\" has a bad port (1–65535)"),
      ("1.2.3:53", "\"1.2.3:53\" has a bad IPv4 address"),
      ("256.1.1.1", "\"256.1.1.1\" has a bad IPv4 address"),
      ("[::1", "\"[::1\" has '[' without ']'"),
      ("[::1]53", "\"[::1]53\": expected :port after ']'"),
      ("fe80::1::2:53", "\"fe80::1::2:53\": put an IPv6 address in brackets, as in [::1]:53"),
      ("", "the address is empty"),
      (":53", "\":53\" has no host"),
      (
        "ns.example.com:53",
        "\"ns.example.com:53\": a name server must be an IP address, as in 127.0.0.1:53 or "
          + "[::1]:53 (its name could not be looked up without one)"
      ),
      ("bad_name", "\"bad_name\" has a bad host name: it contains '_'"),
    ]
    for (entry, message) in cases {
      let text = Fixture.domain + "[dns]\nservers = [\n  \"127.0.0.1\",\n  \"\(entry)\"]"
      #expect(Fixture.errors(text) == ["posta.conf:6: [dns] servers: \(message)"], "\(entry)")
    }
    #expect(
      Fixture.errors(Fixture.domain + "[dns]\nservers = \"127.0.0.1\"")
        == ["posta.conf:4: [dns] servers: expected an array of strings, found a string"])
  }
}
