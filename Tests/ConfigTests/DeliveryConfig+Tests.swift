import Testing

@testable import Config

@Suite struct DeliveryConfigTests {
  @Test func defaultsWhenTablesAreAbsent() throws {
    let config = try Fixture.parse(Fixture.domain)
    #expect(config.dns.servers == [])
    #expect(
      config.delivery.retryIntervals.map { $0.components.seconds } == [60, 300, 900, 1800, 3600])
    #expect(config.delivery.expiry == .seconds(5 * 86_400))
    #expect(config.delivery.maxConnections == 20)
    #expect(config.delivery.tls == .opportunistic)
    #expect(config.delivery.routes == [])
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
        max_connections = 3
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
    #expect(config.delivery.maxConnections == 3)
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
}
