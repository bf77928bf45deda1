import Net
import Synchronization
import Testing

@testable import DNS

/// The resolver on real sockets against `FakeDNSServer` on 127.0.0.1.
@Suite(.timeLimit(.minutes(1))) struct ResolverLoopbackTests {
  /// Answers like a small zone; names under `broken.` SERVFAIL, names under
  /// `silent.` get no answer, `big.` answers are truncated over UDP.
  static func zone(_ query: DNSMessage, _ transport: FakeDNSServer.Transport)
    -> [FakeDNSServer.Response]
  {
    let q = query.questions[0]
    let text = q.name.lowercased().description
    if text.hasSuffix("silent.test") { return [] }
    if text.hasSuffix("broken.test") {
      return [.message(reply(to: query, rcode: .serverFailure))]
    }
    var answers: [DNSResourceRecord] = []
    switch (text, q.type) {
    case ("example.test", .mx):
      answers = [
        rr("example.test", .mx(preference: 20, exchange: name("mx2.example.test"))),
        rr("example.test", .mx(preference: 10, exchange: name("mx1.example.test"))),
      ]
    case ("nomail.test", .mx):
      answers = [rr("nomail.test", .mx(preference: 0, exchange: .root))]
    case ("mx1.example.test", .a):
      answers = [rr("mx1.example.test", .a([127, 0, 0, 2]))]
    case ("mx1.example.test", .aaaa):
      answers = [rr("mx1.example.test", .aaaa(ip("::1").bytes))]
    case ("big.test", .txt):
      let strings = (0..<40).map {
        Array("string \($0) ".utf8) + Array(repeating: 0x78, count: 200)
      }
      answers = [rr("big.test", .txt(strings))]
      if transport == .udp {
        var cut = reply(to: query)
        cut.header.isTruncated = true
        return [.message(cut)]
      }
    case ("example.test", _), ("nomail.test", _), ("mx1.example.test", _):
      return [.message(reply(to: query, authorities: [soa("test")]))]
    default:
      return [.message(reply(to: query, rcode: .nameError, authorities: [soa("test")]))]
    }
    return [.message(reply(to: query, answers: answers))]
  }

  @Test func mxAndAddressesOverUDP() async throws {
    try await withFakeServer(Self.zone) { reactor, fake in
      let resolver = socketResolver(reactor, [fake.address])
      let mx = try await resolver.mx("example.test")
      #expect(
        mx
          == .records([
            MX(preference: 10, host: "mx1.example.test"),
            MX(preference: 20, host: "mx2.example.test"),
          ]))
      #expect(try await resolver.addresses("mx1.example.test") == [ip("127.0.0.2"), ip("::1")])
      #expect(try await resolver.mx("nomail.test") == .nullMX)
      #expect(try await resolver.mx("nowhere.test") == .nxdomain)
      #expect(try await resolver.mx("mx1.example.test") == .noRecords)
      #expect(fake.tcpCount == 0)
    }
  }

  @Test func nxdomainIsPermanent() async throws {
    try await withFakeServer(Self.zone) { reactor, fake in
      let resolver = socketResolver(reactor, [fake.address])
      await #expect {
        _ = try await resolver.a("nowhere.test")
      } throws: { error in
        (error as? DNSError) == .nxdomain("nowhere.test")
          && (error as? DNSError)?.isPermanent == true
      }
    }
  }

  @Test func serverFailureIsTemporary() async throws {
    try await withFakeServer(Self.zone) { reactor, fake in
      let resolver = socketResolver(reactor, [fake.address], attempts: 2)
      await #expect {
        _ = try await resolver.mx("x.broken.test")
      } throws: { error in
        guard let e = error as? DNSError, case .serverFailure(_, .serverFailure, let from) = e
        else { return false }
        return e.isTemporary && from == fake.address
      }
      #expect(fake.udpCount == 2)
    }
  }

  @Test func silenceTimesOutAfterTheRetries() async throws {
    try await withFakeServer(Self.zone) { reactor, fake in
      let resolver = socketResolver(
        reactor, [fake.address], attempts: 3, timeout: .milliseconds(50))
      await #expect {
        _ = try await resolver.mx("x.silent.test")
      } throws: { error in
        (error as? DNSError) == .timedOut(name: "x.silent.test", attempts: 3)
          && (error as? DNSError)?.isTemporary == true
      }
      #expect(fake.udpCount == 3)
    }
  }

  @Test func truncationFallsBackToTCP() async throws {
    try await withFakeServer(Self.zone) { reactor, fake in
      let resolver = socketResolver(reactor, [fake.address])
      let txt = try await resolver.txt("big.test")
      #expect(txt.count == 1)
      #expect(txt[0].strings.count == 40)
      #expect(txt[0].joined.count > 8000)
      #expect(fake.udpCount == 1)
      #expect(fake.tcpCount == 1)
    }
  }

  @Test func wrongIDsAndGarbageAreIgnored() async throws {
    let handler: FakeDNSServer.Handler = { query, transport in
      var wrongID = reply(to: query, answers: [rr("mx.test", .a([6, 6, 6, 6]))])
      wrongID.header.id &+= 1
      var otherQuestion = reply(to: query, answers: [rr("evil.test", .a([6, 6, 6, 6]))])
      otherQuestion.questions = [DNSQuestion(name: name("evil.test"), type: .a)]
      return [
        .bytes([0xde, 0xad]), .bytes(Array(repeating: 0xc0, count: 64)), .message(wrongID),
        .message(otherQuestion),
        .message(reply(to: query, answers: [rr("mx.test", .a([127, 0, 0, 9]))])),
      ]
    }
    try await withFakeServer(handler) { reactor, fake in
      let resolver = socketResolver(reactor, [fake.address], attempts: 1, timeout: .seconds(5))
      let found = try await resolver.a("mx.test")
      #expect(found == [ip("127.0.0.9")])
      #expect(fake.udpCount == 1)
    }
  }

  @Test func aDeadServerIsSkipped() async throws {
    try await withFakeServer(Self.zone) { reactor, fake in
      // A bound UDP port nobody reads from answers nothing; a closed one
      // answers ICMP port-unreachable, which the connected socket reports.
      let closed = try UDPSocket(
        bindingTo: try SocketAddress(host: "127.0.0.1", port: 0), reactor: reactor)
      let deadAddress = try #require(closed.localAddress)
      closed.close()
      let resolver = socketResolver(reactor, [deadAddress, fake.address], timeout: .seconds(5))
      #expect(try await resolver.a("mx1.example.test") == [ip("127.0.0.2")])
      let alone = socketResolver(reactor, [deadAddress], attempts: 1, timeout: .seconds(5))
      await #expect {
        _ = try await alone.a("mx1.example.test")
      } throws: { error in
        guard let e = error as? DNSError, case .network = e else { return false }
        return e.isTemporary
      }
    }
  }

  @Test func manyConcurrentLookups() async throws {
    try await withFakeServer(Self.zone) { reactor, fake in
      let resolver = socketResolver(reactor, [fake.address], timeout: .seconds(5))
      try await withThrowingTaskGroup(of: MXResult.self) { group in
        for i in 0..<100 {
          group.addTask {
            try await resolver.mx(i % 2 == 0 ? "example.test" : "n\(i).nowhere.test")
          }
        }
        var nx = 0
        for try await result in group where result == .nxdomain { nx += 1 }
        #expect(nx == 50)
      }
      // 50 distinct missing names and one shared MX lookup.
      #expect(fake.udpCount == 51)
    }
  }

  @Test func udpSocketRoundTrip() async throws {
    let reactor = try Reactor()
    defer { reactor.shutdown() }
    let a = try UDPSocket(
      bindingTo: try SocketAddress(host: "127.0.0.1", port: 0), reactor: reactor)
    defer { a.close() }
    let b = try UDPSocket(family: .ipv4, reactor: reactor)
    defer { b.close() }
    let to = try #require(a.localAddress)
    try await b.send([1, 2, 3], to: to)
    let got = try await a.receive(deadline: .now + .seconds(5))
    #expect(got.bytes == [1, 2, 3])
    #expect(got.source.port == b.localAddress?.port)
    try await a.send([4], to: got.source)
    #expect(try await b.receive(deadline: .now + .seconds(5)).bytes == [4])
    // A receive with nothing to read ends at its deadline, or at close.
    await #expect(throws: NetError.timedOut) {
      _ = try await b.receive(deadline: .now + .milliseconds(20))
    }
    let waiting = Task { try await a.receive() }
    while reactor.waitingCount == 0 { await Task.yield() }
    a.close()
    await #expect(throws: NetError.closed) { _ = try await waiting.value }
  }
}
