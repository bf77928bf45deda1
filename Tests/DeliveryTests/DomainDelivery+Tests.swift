import DNS
import Delivery
import Net
import SMTPCore
import Testing

/// One domain's attempt over several MX hosts: fake servers on 127.0.0.2, .3 and .4, all
/// on one port (the MX port), found through a mock resolver.
@Suite struct DomainDeliveryTests {
  /// Servers on the given loopback addresses sharing one port, in the order given.
  struct Hosts {
    let reactor: Reactor
    let port: UInt16
    var servers: [FakeSMTPServer] = []

    init(_ behaviours: [(String, FakeSMTPServer.Behaviour)], reactor: Reactor) throws {
      self.reactor = reactor
      let probe = try TCPListener(
        bindingTo: try SocketAddress(host: behaviours[0].0, port: 0), reactor: reactor)
      port = probe.localAddress.port
      probe.close()
      for (address, behaviour) in behaviours {
        servers.append(try FakeSMTPServer(reactor: reactor, host: address, port: port, behaviour))
      }
    }

    func stop() { for s in servers { s.stop() } }
  }

  /// b.test's MX records: `mx1.b.test` (10) → first address, `mx2.b.test` (20) → second…
  func resolver(_ addresses: [String]) -> MockResolver {
    var dns = MockResolver()
    dns.mxRecords["b.test"] = addresses.indices.map {
      MX(preference: UInt16(10 * ($0 + 1)), host: "mx\($0 + 1).b.test")
    }
    for (i, a) in addresses.enumerated() { dns.aRecords["mx\(i + 1).b.test"] = [IPAddress(a)!] }
    return dns
  }

  /// `Hosts` on a reactor of their own for `body`; the servers are stopped and the reactor
  /// shut down after it, also when it throws.
  func withHosts(
    _ behaviours: [(String, FakeSMTPServer.Behaviour)], _ body: (Hosts) async throws -> Void
  ) async throws {
    let reactor = try Reactor()
    defer { reactor.shutdown() }
    let hosts = try Hosts(behaviours, reactor: reactor)
    defer { hosts.stop() }
    try await body(hosts)
  }

  /// Delivers to b.test whose MX hosts are `addresses`, all on the port of `hosts`, with a
  /// client on their reactor.
  func attempt(
    _ addresses: [String], on hosts: Hosts, own: [String] = [],
    to recipients: [OutboundRecipient] = ["bob@b.test"]
  ) async throws -> DomainDelivery.Report {
    var settings = testSettings()
    settings.mxPort = hosts.port
    settings.ownAddresses = own.map { IPAddress($0)! }
    let delivery = DomainDelivery(
      router: Router(settings: settings, resolver: resolver(addresses)),
      client: try makeClient(settings, reactor: hosts.reactor))
    return await delivery.deliver(
      OutboundMessage(sender: "alice@a.test", body: .bytes(sampleMessage())), to: recipients,
      domain: "b.test")
  }

  static let refusing: FakeSMTPServer.Behaviour = {
    var b = FakeSMTPServer.Behaviour()
    b.greeting = Reply(554, EnhancedStatusCode(5, 7, 1), "no service")
    return b
  }()

  static let busy: FakeSMTPServer.Behaviour = {
    var b = FakeSMTPServer.Behaviour()
    b.greeting = Reply(421, EnhancedStatusCode(4, 3, 2), "busy")
    return b
  }()

  @Test func aRefusingGreetingMovesOnAndFailsOnlyAtTheLastHost() async throws {
    try await withHosts([("127.0.0.2", Self.refusing), ("127.0.0.3", .init())]) { hosts in
      let moved = try await attempt(["127.0.0.2", "127.0.0.3"], on: hosts)
      #expect(moved.outcomes[0].isDelivered)
      #expect(hosts.servers[1].messages.count == 1)

      let last = try await attempt(["127.0.0.3", "127.0.0.2"], on: hosts)
      #expect(last.outcomes[0].isDelivered, "the refusing host is never reached")
      let only = try await attempt(["127.0.0.2"], on: hosts)
      guard case .failed(let reply) = only.outcomes[0] else {
        Issue.record("a 554 greeting at the last host must fail, got \(only.outcomes)")
        return
      }
      #expect(reply.description == "mx1.b.test said: 554 5.7.1 no service")
    }
  }

  @Test func aTemporaryGreetingAtTheLastHostDefers() async throws {
    try await withHosts([("127.0.0.2", Self.refusing), ("127.0.0.3", Self.busy)]) { hosts in
      // The 554 host first, the 421 host last: the last host's word counts.
      let report = try await attempt(["127.0.0.2", "127.0.0.3"], on: hosts)
      guard case .deferred(let reply, _) = report.outcomes[0] else {
        Issue.record("expected a deferral, got \(report.outcomes)")
        return
      }
      #expect(reply.code == 421)
    }
  }

  @Test func theBestMXBeingThisServerLoopsBack() async throws {
    try await withHosts([("127.0.0.2", .init())]) { hosts in
      let report = try await attempt(["127.0.0.2"], on: hosts, own: ["127.0.0.2"])
      guard case .failed(let reply) = report.outcomes[0] else {
        Issue.record("expected a failure, got \(report.outcomes)")
        return
      }
      #expect(reply.smtpText == "550 5.4.6 mail for b.test loops back to myself")
      #expect(hosts.servers[0].sessions == 0, "no connection to ourselves")

      // 0.0.0.0 stands for every interface address; 127.0.0.2 is on lo.
      let any = try await attempt(["127.0.0.2"], on: hosts, own: ["0.0.0.0"])
      #expect(any.outcomes[0].reply.smtpText == "550 5.4.6 mail for b.test loops back to myself")
      #expect(hosts.servers[0].sessions == 0)
    }
  }

  @Test func mxHostsAfterOurOwnAreNotTried() async throws {
    try await withHosts(
      [("127.0.0.2", Self.busy), ("127.0.0.3", .init()), ("127.0.0.4", .init())]
    ) { hosts in
      // mx1 busy, mx2 is us, mx3 would take it but is no better than us.
      let report = try await attempt(
        ["127.0.0.2", "127.0.0.3", "127.0.0.4"], on: hosts, own: ["127.0.0.3"])
      guard case .deferred(let reply, _) = report.outcomes[0] else {
        Issue.record("expected a deferral, got \(report.outcomes)")
        return
      }
      #expect(reply.code == 421)
      #expect(hosts.servers[0].sessions == 1)
      #expect(hosts.servers[1].sessions == 0)
      #expect(hosts.servers[2].sessions == 0)
    }
  }

  @Test func ourNameInTheGreetingFailsAtTheBestMXAndIsSkippedElsewhere() async throws {
    var mirror = FakeSMTPServer.Behaviour()
    mirror.greeting = Reply(220, nil, "mail.a.test ESMTP")
    try await withHosts([("127.0.0.2", mirror), ("127.0.0.3", .init())]) { hosts in
      let best = try await attempt(["127.0.0.2", "127.0.0.3"], on: hosts)
      #expect(best.outcomes[0].reply.smtpText == "550 5.4.6 mail for b.test loops back to myself")
      #expect(hosts.servers[1].sessions == 0)

      let hosts2 = try Hosts(
        [("127.0.0.2", Self.busy), ("127.0.0.3", mirror)], reactor: hosts.reactor)
      defer { hosts2.stop() }
      let second = try await attempt(["127.0.0.2", "127.0.0.3"], on: hosts2)
      guard case .deferred(let reply, _) = second.outcomes[0] else {
        Issue.record("expected a deferral, got \(second.outcomes)")
        return
      }
      #expect(reply.smtpText.hasPrefix("451 4.4.6 mail loops back to myself"))
    }
  }

  @Test func deliveriesToAServerWithoutDSNAreMarkedForRelayReports() async throws {
    var withDSN = FakeSMTPServer.Behaviour()
    withDSN.dsn = true
    try await withHosts([("127.0.0.2", .init()), ("127.0.0.3", withDSN)]) { hosts in
      let plain = try await attempt(["127.0.0.2"], on: hosts, to: ["a@b.test", "b@b.test"])
      #expect(plain.relayedWithoutDSN == [0, 1])
      let dsn = try await attempt(["127.0.0.3"], on: hosts)
      #expect(dsn.outcomes[0].isDelivered)
      #expect(dsn.relayedWithoutDSN.isEmpty)
    }
  }
}
