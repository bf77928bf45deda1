import Net
import Synchronization
import Testing

@testable import DNS

/// Resolver logic over a scripted transport: no sockets, a manual clock.
@Suite struct ResolverTests {
  /// A transport answering from a fixed table, as a recursive server would
  /// (following CNAMEs itself), with NXDOMAIN and SOA for unknown names.
  static func zone(_ records: [DNSResourceRecord]) -> ScriptedTransport {
    ScriptedTransport { query, _, _ in
      let q = query.questions[0]
      var answers: [DNSResourceRecord] = []
      var current = q.name
      for _ in 0..<20 {
        let here = records.filter { $0.name == current }
        if here.isEmpty { break }
        let matching = here.filter { $0.type == q.type }
        if !matching.isEmpty {
          answers += matching
          break
        }
        guard let link = here.first(where: { $0.type == .cname }),
          case .cname(let target) = link.data
        else { break }
        answers.append(link)
        current = target
      }
      let exists = records.contains { $0.name == current }
      let rcode: DNSRcode = exists ? .noError : .nameError
      let done = answers.last.map { $0.type == q.type } ?? false
      return [
        .message(
          reply(
            to: query, rcode: rcode, answers: answers,
            authorities: done ? [] : [soa("example", ttl: 3600, minimum: 120)]))
      ]
    }
  }

  @Test func mxSortedByPreferenceAndShuffledAmongEquals() async throws {
    let records = [
      rr("example.org", .mx(preference: 20, exchange: name("c.example.org"))),
      rr("example.org", .mx(preference: 10, exchange: name("a.example.org"))),
      rr("example.org", .mx(preference: 10, exchange: name("b.example.org"))),
      rr("example.org", .mx(preference: 30, exchange: name("d.example.org"))),
    ]
    let resolver = scriptedResolver(Self.zone(records))
    var firsts: Set<String> = []
    for _ in 0..<64 {
      guard case .records(let mx) = try await resolver.mx("Example.ORG.") else {
        Issue.record("expected MX records")
        return
      }
      #expect(mx.map(\.preference) == [10, 10, 20, 30])
      #expect(Set(mx[0..<2].map(\.host)) == ["a.example.org", "b.example.org"])
      #expect(mx[2].host == "c.example.org")
      firsts.insert(mx[0].host)
    }
    // Served from the cache after the first, and still reshuffled each time
    // (64 tries all landing the same way would be a 1 in 2^63 fluke).
    #expect(firsts.count == 2)
  }

  @Test func nullMXNoRecordsAndNXDOMAIN() async throws {
    let transport = Self.zone([
      rr("nomail.example", .mx(preference: 0, exchange: .root)),
      rr("implicit.example", .a([192, 0, 2, 9])),
      rr("mixed.example", .mx(preference: 0, exchange: .root)),
      rr("mixed.example", .mx(preference: 5, exchange: name("mx.mixed.example"))),
    ])
    let resolver = scriptedResolver(transport)
    #expect(try await resolver.mx("nomail.example") == .nullMX)
    #expect(try await resolver.mx("implicit.example") == .noRecords)
    #expect(try await resolver.mx("missing.example") == .nxdomain)
    #expect(
      try await resolver.mx("mixed.example")
        == .records([MX(preference: 5, host: "mx.mixed.example")]))
  }

  @Test func addressesTextAndPointers() async throws {
    let resolver = scriptedResolver(
      Self.zone([
        rr("mx.example", .a([192, 0, 2, 1])),
        rr("mx.example", .a([192, 0, 2, 2])),
        rr("mx.example", .aaaa(ip("2001:db8::1").bytes)),
        rr("v6only.example", .aaaa(ip("2001:db8::2").bytes)),
        rr("example", .txt([Array("v=spf1 ".utf8), Array("mx -all".utf8)])),
        rr("example", .txt([Array("other".utf8)])),
        rr("1.2.0.192.in-addr.arpa", .ptr(name("mx.example"))),
      ]))
    #expect(try await resolver.a("mx.example") == [ip("192.0.2.1"), ip("192.0.2.2")])
    #expect(try await resolver.aaaa("mx.example") == [ip("2001:db8::1")])
    #expect(
      try await resolver.addresses("mx.example")
        == [ip("192.0.2.1"), ip("192.0.2.2"), ip("2001:db8::1")])
    #expect(try await resolver.addresses("v6only.example") == [ip("2001:db8::2")])
    #expect(try await resolver.a("v6only.example") == [])
    await #expect(throws: DNSError.nxdomain("nowhere.example")) {
      _ = try await resolver.addresses("nowhere.example")
    }
    let txt = try await resolver.txt("example")
    #expect(txt.map(\.text) == ["v=spf1 mx -all", "other"])
    #expect(txt[0].strings.count == 2)
    #expect(try await resolver.ptr(ip("192.0.2.1")) == ["mx.example"])
    await #expect(throws: DNSError.self) { _ = try await resolver.ptr(ip("192.0.2.99")) }
    // Literals need no query.
    #expect(try await resolver.a("198.51.100.4") == [ip("198.51.100.4")])
    #expect(try await resolver.aaaa("198.51.100.4") == [])
  }

  @Test func invalidNamesArePermanentAndNeverAsked() async throws {
    let transport = Self.zone([])
    let resolver = scriptedResolver(transport)
    await #expect {
      _ = try await resolver.mx("bad..example")
    } throws: { error in
      guard let e = error as? DNSError, case .invalidName = e else { return false }
      return e.isPermanent
    }
    #expect(transport.queries.isEmpty)
  }

  @Test func followsACNAMEChainInOneReply() async throws {
    let transport = Self.zone([
      rr("www.example", .cname(name("web.example")), ttl: 100),
      rr("web.example", .cname(name("host.example")), ttl: 50),
      rr("host.example", .a([192, 0, 2, 80]), ttl: 300),
    ])
    let resolver = scriptedResolver(transport)
    let answer = try await resolver.lookup("www.example", type: .a)
    #expect(answer.canonicalName == name("host.example"))
    #expect(answer.data == [.a([192, 0, 2, 80])])
    #expect(answer.ttl == 50)  // the smallest TTL on the chain
    #expect(transport.queries.count == 1)
    // Asking for the CNAME itself does not follow it.
    let cname = try await resolver.lookup("www.example", type: .cname)
    #expect(cname.data == [.cname(name("web.example"))])
  }

  @Test func followsACNAMEAcrossQueriesWhenTheServerStops() async throws {
    // This server answers only what it owns and never chases the alias.
    let transport = ScriptedTransport { query, _, _ in
      let q = query.questions[0]
      if q.name == name("alias.example") {
        return [
          .message(reply(to: query, answers: [rr("alias.example", .cname(name("real.example")))]))
        ]
      }
      if q.name == name("real.example") && q.type == .mx {
        return [
          .message(
            reply(
              to: query,
              answers: [rr("real.example", .mx(preference: 1, exchange: name("mx.real.example")))]))
        ]
      }
      return [.message(reply(to: query, rcode: .nameError))]
    }
    let resolver = scriptedResolver(transport)
    #expect(
      try await resolver.mx("alias.example")
        == .records([MX(preference: 1, host: "mx.real.example")]))
    #expect(
      transport.queries.map(\.message.questions[0].name) == [
        name("alias.example"), name("real.example"),
      ])
  }

  @Test func cnameLoopsAndLongChainsFailTemporarily() async throws {
    let loop = Self.zone([
      rr("a.example", .cname(name("b.example"))),
      rr("b.example", .cname(name("c.example"))),
      rr("c.example", .cname(name("A.example"))),
    ])
    let r1 = scriptedResolver(loop)
    await #expect {
      _ = try await r1.a("a.example")
    } throws: { error in
      guard let e = error as? DNSError, case .cnameLoop = e else { return false }
      return e.isTemporary
    }
    var chain: [DNSResourceRecord] = []
    for i in 0..<12 { chain.append(rr("n\(i).example", .cname(name("n\(i + 1).example")))) }
    chain.append(rr("n12.example", .a([192, 0, 2, 1])))
    let r2 = scriptedResolver(Self.zone(chain)) { $0.maxCNAMEChain = 8 }
    await #expect(throws: DNSError.cnameChainTooLong(name: "n0.example", limit: 8)) {
      _ = try await r2.a("n0.example")
    }
    let r3 = scriptedResolver(Self.zone(chain)) { $0.maxCNAMEChain = 12 }
    #expect(try await r3.a("n0.example") == [ip("192.0.2.1")])
  }

  @Test func cachesPositiveAnswersForTheirTTL() async throws {
    let transport = Self.zone([rr("mx.example", .a([192, 0, 2, 1]), ttl: 60)])
    let clock = ManualDNSClock()
    let resolver = scriptedResolver(transport, clock: clock)
    _ = try await resolver.a("mx.example")
    _ = try await resolver.a("MX.example.")
    #expect(transport.queries.count == 1)
    clock.advance(by: .seconds(59))
    #expect(try await resolver.lookup("mx.example", type: .a).ttl == 1)
    #expect(transport.queries.count == 1)
    clock.advance(by: .seconds(1))
    _ = try await resolver.a("mx.example")
    #expect(transport.queries.count == 2)
    resolver.flushCache()
    _ = try await resolver.a("mx.example")
    #expect(transport.queries.count == 3)
  }

  @Test func capsLongTTLs() async throws {
    let transport = Self.zone([rr("mx.example", .a([192, 0, 2, 1]), ttl: 1_000_000)])
    let clock = ManualDNSClock()
    let resolver = scriptedResolver(transport, clock: clock) { $0.maxTTL = 3600 }
    #expect(try await resolver.lookup("mx.example", type: .a).ttl == 3600)
    clock.advance(by: .seconds(3600))
    _ = try await resolver.a("mx.example")
    #expect(transport.queries.count == 2)
  }

  @Test func cachesNegativeAnswersBySOAMinimumWithACap() async throws {
    // NXDOMAIN with an SOA whose TTL is 3600 and MINIMUM 120: 120 s.
    let transport = Self.zone([rr("exists.example", .a([192, 0, 2, 1]))])
    let clock = ManualDNSClock()
    let resolver = scriptedResolver(transport, clock: clock)
    #expect(try await resolver.mx("gone.example") == .nxdomain)
    #expect(try await resolver.mx("gone.example") == .nxdomain)
    #expect(transport.queries.count == 1)
    // NODATA is cached the same way.
    #expect(try await resolver.mx("exists.example") == .noRecords)
    #expect(try await resolver.mx("exists.example") == .noRecords)
    #expect(transport.queries.count == 2)
    clock.advance(by: .seconds(120))
    #expect(try await resolver.mx("gone.example") == .nxdomain)
    #expect(transport.queries.count == 3)
    // The cap wins over a long SOA minimum.
    let capped = scriptedResolver(transport, clock: clock) { $0.maxNegativeTTL = 30 }
    #expect(try await capped.lookup("gone.example", type: .mx).ttl == 30)
  }

  @Test func negativeAnswersWithoutSOAAreNotCached() async throws {
    let transport = ScriptedTransport { query, _, _ in
      [.message(reply(to: query, rcode: .nameError))]
    }
    let resolver = scriptedResolver(transport)
    #expect(try await resolver.mx("gone.example") == .nxdomain)
    #expect(try await resolver.mx("gone.example") == .nxdomain)
    #expect(transport.queries.count == 2)
    #expect(resolver.cachedCount == 0)
  }

  @Test func serverFailureTriesEveryServerAndIsTemporary() async throws {
    let transport = ScriptedTransport { query, server, _ in
      if server.port == 2 {
        return [.message(reply(to: query, answers: [rr("mx.example", .a([192, 0, 2, 1]))]))]
      }
      return [.message(reply(to: query, rcode: .serverFailure))]
    }
    let both = scriptedResolver(transport, servers: ["192.0.2.53:1", "192.0.2.53:2"])
    #expect(try await both.a("mx.example") == [ip("192.0.2.1")])
    #expect(transport.queries.map(\.server.port) == [1, 2])

    let one = scriptedResolver(transport, servers: ["192.0.2.53:1"], attempts: 3)
    await #expect {
      _ = try await one.a("mx.example")
    } throws: { error in
      guard let e = error as? DNSError, case .serverFailure(_, let rcode, _) = e else {
        return false
      }
      return rcode == .serverFailure && e.isTemporary
    }
    #expect(transport.queries.count == 2 + 3)
    #expect(one.cachedCount == 0)
  }

  @Test func timeoutsRetryEachServerThenFailTemporarily() async throws {
    let transport = ScriptedTransport { _, _, _ in [.timeout] }
    let resolver = scriptedResolver(
      transport, servers: ["192.0.2.53:1", "192.0.2.54:1"], attempts: 3)
    await #expect(throws: DNSError.timedOut(name: "mx.example", attempts: 6)) {
      _ = try await resolver.a("mx.example")
    }
    #expect(
      transport.queries.map(\.server.host)
        == Array(repeating: ["192.0.2.53", "192.0.2.54"], count: 3).flatMap { $0 })
    #expect(DNSError.timedOut(name: "x", attempts: 1).isTemporary)
  }

  @Test func networkErrorsMoveToTheNextServer() async throws {
    let transport = ScriptedTransport { query, server, _ in
      if server.port == 1 { return [.failure(SystemError(call: "recv", errno: 111))] }
      return [.message(reply(to: query, answers: [rr("mx.example", .a([192, 0, 2, 1]))]))]
    }
    let resolver = scriptedResolver(transport, servers: ["192.0.2.53:1", "192.0.2.53:2"])
    #expect(try await resolver.a("mx.example") == [ip("192.0.2.1")])
    let alone = scriptedResolver(transport, servers: ["192.0.2.53:1"], attempts: 1)
    await #expect {
      _ = try await alone.a("mx.example")
    } throws: { error in
      guard let e = error as? DNSError, case .network(_, let reason) = e else { return false }
      return reason.contains("recv") && e.isTemporary
    }
  }

  @Test func ignoresRepliesThatDoNotMatchTheQuery() async throws {
    let transport = ScriptedTransport { query, _, _ in
      var wrongID = reply(to: query, answers: [rr("mx.example", .a([6, 6, 6, 6]))])
      wrongID.header.id &+= 1
      var wrongName = reply(to: query, answers: [rr("evil.example", .a([6, 6, 6, 6]))])
      wrongName.questions = [DNSQuestion(name: name("evil.example"), type: .a)]
      var notResponse = reply(to: query, answers: [rr("mx.example", .a([6, 6, 6, 6]))])
      notResponse.header.isResponse = false
      return [
        .bytes([1, 2, 3]), .bytes(Array(repeating: 0xff, count: 40)), .message(wrongID),
        .message(wrongName), .message(notResponse),
        .message(reply(to: query, answers: [rr("mx.example", .a([192, 0, 2, 1]))])),
      ]
    }
    let resolver = scriptedResolver(transport)
    #expect(try await resolver.a("mx.example") == [ip("192.0.2.1")])
  }

  @Test func truncatedRepliesAreAskedAgainOverTCP() async throws {
    let transport = ScriptedTransport { query, _, tcp in
      let full = reply(to: query, answers: [rr("big.example", .txt([Array("x".utf8)]))])
      if tcp { return [.message(full)] }
      var cut = reply(to: query)
      cut.header.isTruncated = true
      // Cut inside its records too: it claims an answer that is not there,
      // so only the header and question are readable.
      var bytes = try! cut.encode()
      bytes[7] = 1
      return [.bytes(bytes)]
    }
    let resolver = scriptedResolver(transport)
    #expect(try await resolver.txt("big.example").map(\.text) == ["x"])
    #expect(transport.queries.map(\.tcp) == [false, true])
  }

  @Test func aMismatchedTCPReplyIsAnError() async throws {
    let transport = ScriptedTransport { query, _, tcp in
      var r = reply(to: query)
      if tcp {
        r.header.id &+= 1
      } else {
        r.header.isTruncated = true
      }
      return [.message(r)]
    }
    let resolver = scriptedResolver(transport, attempts: 1)
    await #expect {
      _ = try await resolver.a("mx.example")
    } throws: { error in
      guard case .malformedReply = error as? DNSError else { return false }
      return true
    }
  }

  @Test func formatErrorRetriesWithoutEDNS() async throws {
    let transport = ScriptedTransport { query, _, _ in
      if query.edns != nil { return [.message(reply(to: query, rcode: .formatError))] }
      return [.message(reply(to: query, answers: [rr("old.example", .a([192, 0, 2, 3]))]))]
    }
    let resolver = scriptedResolver(transport)
    #expect(try await resolver.a("old.example") == [ip("192.0.2.3")])
    #expect(transport.queries.map { $0.message.edns != nil } == [true, false])
    #expect(transport.queries[0].message.edns?.udpPayloadSize == 1232)
  }

  @Test func queriesUseFreshRandomIDs() async throws {
    let transport = ScriptedTransport { _, _, _ in [.timeout] }
    let resolver = scriptedResolver(transport, attempts: 20)
    _ = try? await resolver.a("mx.example")
    let ids = Set(transport.queries.map(\.message.header.id))
    #expect(ids.count >= 15)  // 20 draws from 65536 all but never collide this much
    #expect(transport.queries.allSatisfy { $0.message.header.recursionDesired })
  }

  @Test func concurrentLookupsShareOneQuery() async throws {
    let gate = Gate()
    let transport = ScriptedTransport { query, _, _ in
      await gate.wait()
      return [.message(reply(to: query, answers: [rr("mx.example", .a([192, 0, 2, 1]))]))]
    }
    let resolver = scriptedResolver(transport)
    try await withThrowingTaskGroup(of: [IPAddress].self) { group in
      for _ in 0..<20 { group.addTask { try await resolver.a("mx.example") } }
      // Let every task reach the shared query before it is answered.
      while transport.queries.isEmpty { await Task.yield() }
      for _ in 0..<50 { await Task.yield() }
      gate.open()
      for try await result in group { #expect(result == [ip("192.0.2.1")]) }
    }
    #expect(transport.queries.count == 1)
  }

  @Test func errorKinds() {
    #expect(DNSError.nxdomain("x").isPermanent)
    #expect(DNSError.invalidName("x", reason: "y").isPermanent)
    for temporary: DNSError in [
      .serverFailure(name: "x", rcode: .serverFailure, server: server("127.0.0.1:53")),
      .timedOut(name: "x", attempts: 2), .network(name: "x", reason: "y"),
      .malformedReply(name: "x", reason: "y"), .cnameLoop(name: "x"),
      .cnameChainTooLong(name: "x", limit: 8), .noServers, .cancelled,
    ] {
      #expect(temporary.isTemporary, "\(temporary)")
      #expect(!temporary.description.isEmpty)
    }
  }

  @Test func noServersIsAnError() async {
    let resolver = Resolver(
      configuration: ResolverConfiguration(servers: []), transport: Self.zone([]),
      logger: quietLogger())
    await #expect(throws: DNSError.noServers) { _ = try await resolver.a("mx.example") }
  }
}

/// Holds tasks until opened.
final class Gate: Sendable {
  private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

  func wait() async {
    await withCheckedContinuation { c in
      let resume = state.withLock { s -> Bool in
        if s.open { return true }
        s.waiters.append(c)
        return false
      }
      if resume { c.resume() }
    }
  }

  func open() {
    let waiters = state.withLock { s in
      s.open = true
      defer { s.waiters = [] }
      return s.waiters
    }
    for w in waiters { w.resume() }
  }
}
