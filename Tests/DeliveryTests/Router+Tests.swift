import DNS
import Delivery
import Testing

/// A fixed-seed generator so shuffles are reproducible.
struct SeededGenerator: RandomNumberGenerator {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

@Suite struct RouterTests {
  func router(_ resolver: MockResolver, _ configure: (inout DeliverySettings) -> Void = { _ in })
    -> Router
  {
    var settings = testSettings()
    configure(&settings)
    return Router(settings: settings, resolver: resolver)
  }

  func hostNames(_ route: Route) -> [String]? {
    guard case .hosts(let hosts, _) = route else { return nil }
    return hosts.map(\.name)
  }

  @Test func mxHostsInPreferenceOrder() async {
    var dns = MockResolver()
    dns.mxRecords["b.test"] = [
      MX(preference: 30, host: "mx3.b.test"), MX(preference: 10, host: "mx1.b.test"),
      MX(preference: 20, host: "mx2.b.test"),
    ]
    let route = await router(dns).route("B.test")
    #expect(hostNames(route) == ["mx1.b.test", "mx2.b.test", "mx3.b.test"])
    guard case .hosts(let hosts, let permanent) = route else { return }
    #expect(permanent)
    #expect(hosts.allSatisfy { $0.port == 25 && $0.tls == .opportunistic(plaintextFallback: true) })
  }

  @Test func equalPreferencesAreShuffled() async {
    var dns = MockResolver()
    dns.mxRecords["b.test"] = [
      MX(preference: 10, host: "a.b.test"), MX(preference: 10, host: "b.b.test"),
      MX(preference: 5, host: "first.b.test"), MX(preference: 20, host: "last.b.test"),
    ]
    let r = router(dns)
    var orders = Set<[String]>()
    for _ in 0..<64 {
      guard let names = hostNames(await r.route("b.test")) else {
        Issue.record("no hosts")
        return
      }
      #expect(names.first == "first.b.test")
      #expect(names.last == "last.b.test")
      #expect(Set(names[1...2]) == ["a.b.test", "b.b.test"])
      orders.insert(names)
    }
    // Both orders of the two equal hosts show up (failing by chance: 2^-63).
    #expect(orders.count == 2)
  }

  @Test func orderingIsStableUnderAFixedSeedAndDropsDuplicates() {
    let records = [
      MX(preference: 10, host: "a"), MX(preference: 10, host: "b"), MX(preference: 10, host: "c"),
      MX(preference: 20, host: "A"), MX(preference: 0, host: "z"),
    ]
    var g1 = SeededGenerator(state: 42)
    var g2 = SeededGenerator(state: 42)
    let one = Router.orderMX(records, using: &g1)
    let two = Router.orderMX(records, using: &g2)
    #expect(one == two)
    #expect(one.first?.host == "z")
    #expect(one.count == 4)  // "A" at 20 duplicates "a" at 10
    #expect(Set(one.dropFirst().map(\.host)) == ["a", "b", "c"])
  }

  @Test func implicitMXWhenTheDomainHasNoMXRecords() async {
    var dns = MockResolver()
    dns.aRecords["b.test"] = [IPAddress("127.0.0.1")!]
    #expect(hostNames(await router(dns).route("b.test")) == ["b.test"])
  }

  @Test func nullMXFailsAtOnce() async {
    var dns = MockResolver()
    dns.nullMX = ["b.test"]
    guard case .failed(let reply) = await router(dns).route("b.test") else {
      Issue.record("expected a failure")
      return
    }
    #expect(reply.code == 556)
    #expect(reply.enhancedCode?.description == "5.1.10")
  }

  @Test func nxdomainFailsAtOnce() async {
    guard case .failed(let reply) = await router(MockResolver()).route("nowhere.test") else {
      Issue.record("expected a failure")
      return
    }
    #expect(reply.isPermanent)
    #expect(reply.enhancedCode?.description == "5.1.2")
  }

  @Test func serverFailureDefers() async throws {
    var dns = MockResolver()
    dns.failures["b.test"] = .serverFailure(
      name: "b.test", rcode: .serverFailure, server: try .init(host: "127.0.0.1", port: 53))
    guard case .deferred(let reply) = await router(dns).route("b.test") else {
      Issue.record("expected a deferral")
      return
    }
    #expect(reply.code == 451)
    #expect(reply.enhancedCode?.description == "4.4.3")
    dns.failures["b.test"] = .timedOut(name: "b.test", attempts: 3)
    guard case .deferred = await router(dns).route("b.test") else {
      Issue.record("expected a deferral after a timeout")
      return
    }
  }

  @Test func staticRoutesAndSmarthostOverrideMX() async {
    var dns = MockResolver()
    dns.mxRecords["b.test"] = [MX(preference: 10, host: "mx.b.test")]
    dns.mxRecords["c.test"] = [MX(preference: 10, host: "mx.c.test")]
    let r = router(dns) { s in
      s.staticRoutes = [StaticRoute(domain: "B.TEST", host: "127.0.0.5", port: 2525)]
      s.smarthost = Smarthost(
        host: "relay.test", username: "u", password: "p", domains: ["c.test"])
    }
    guard case .hosts(let b, let bPermanent) = await r.route("b.test"),
      case .hosts(let c, let cPermanent) = await r.route("c.test")
    else {
      Issue.record("expected hosts")
      return
    }
    #expect(
      b == [RouteHost(name: "127.0.0.5", port: 2525, tls: .opportunistic(plaintextFallback: true))])
    #expect(!bPermanent)
    #expect(c.first?.name == "relay.test")
    #expect(c.first?.port == 587)
    #expect(c.first?.tls == .required(verify: true))
    #expect(c.first?.credentials == SMTPCredentials(username: "u", password: "p"))
    #expect(!cPermanent)
    #expect(hostNames(await r.route("d.test")) == nil)  // NXDOMAIN in the mock
    #expect(r.destination(for: "b.test") == "route:127.0.0.5:2525")
    #expect(r.destination(for: "c.test") == "smarthost:relay.test:587")
    #expect(r.destination(for: "D.test") == "mx:d.test")
  }

  @Test func addressLiteralsNeedNoDNS() async {
    let r = router(MockResolver())
    #expect(hostNames(await r.route("[192.0.2.7]")) == ["192.0.2.7"])
    #expect(hostNames(await r.route("[IPv6:2001:db8::1]")) == ["2001:db8::1"])
    guard case .failed(let reply) = await r.route("[not-an-ip]") else {
      Issue.record("expected a failure")
      return
    }
    #expect(reply.code == 553)
  }
}
