import DNS
import Delivery
import Log
import MIME
import Net
import SMTPCore
import Storage
import Testing

/// The queue runner end to end: a temporary store, fake SMTP servers on 127.0.0.1 reached
/// through static routes, a mock resolver and a clock moved by hand.
@Suite struct QueueRunnerTests {
  struct Harness {
    let store: MailStore
    let alice: Account
    let runner: QueueRunner
    let reactor: Reactor
    let clock: TestClock
    let sink: LogSink

    var queue: [QueuedMessage] { get async throws { try await store.queuedMessages() } }

    func inbox() async throws -> [[UInt8]] { try await store.inboxMessages(alice.id) }

    /// The state of the only recipient of the only queued message.
    func onlyState() async throws -> QueueRecipientState? {
      try await store.queuedMessages().first?.recipients.first?.state
    }
  }

  /// A running runner over a fresh store; stopped (gracefully) after `body`.
  func withRunner(
    routes: [String: UInt16], resolver: MockResolver = MockResolver(),
    retry: RetrySchedule = RetrySchedule(),
    _ body: (Harness) async throws -> Void
  ) async throws {
    let clock = TestClock()
    let reactor = try Reactor()
    defer { reactor.shutdown() }
    try await withStore(clock: clock) { store, alice in
      var settings = testSettings(clock: clock)
      settings.staticRoutes = routes.map {
        StaticRoute(domain: $0.key, host: "127.0.0.1", port: $0.value)
      }
      settings.retry = retry
      let (logger, sink) = capturingLogger()
      let runner = try QueueRunner(
        store: store, resolver: resolver, reactor: reactor, settings: settings, logger: logger)
      let task = Task { try await runner.run() }
      let harness = Harness(
        store: store, alice: alice, runner: runner, reactor: reactor, clock: clock, sink: sink)
      do {
        try await body(harness)
      } catch {
        await runner.beginShutdown()
        _ = try? await task.value
        throw error
      }
      await runner.beginShutdown()
      try await task.value
    }
  }

  /// A server that refuses every recipient with 550 5.1.1.
  static let noSuchUser: FakeSMTPServer.Behaviour = {
    var b = FakeSMTPServer.Behaviour()
    b.rcptReply = { _ in Reply(550, EnhancedStatusCode(5, 1, 1), "No such user here") }
    return b
  }()

  /// `withRunner` with every domain in `domains` routed to one `FakeSMTPServer` that behaves
  /// as `behaviour`. The server runs on a reactor of its own, as a remote host would, and is
  /// stopped after the runner, also when `body` throws.
  func withFakeServer(
    _ behaviour: FakeSMTPServer.Behaviour = .init(), routing domains: [String] = ["b.test"],
    retry: RetrySchedule = RetrySchedule(),
    _ body: (Harness, FakeSMTPServer) async throws -> Void
  ) async throws {
    let reactor = try Reactor()
    defer { reactor.shutdown() }
    let server = try FakeSMTPServer(reactor: reactor, behaviour)
    defer { server.stop() }
    let routes = Dictionary(uniqueKeysWithValues: domains.map { ($0, server.port) })
    try await withRunner(routes: routes, retry: retry) { h in try await body(h, server) }
  }

  /// A port nothing listens on (bound, noted, closed).
  func freePort(_ reactor: Reactor) throws -> UInt16 {
    let probe = try TCPListener(
      bindingTo: try SocketAddress(host: "127.0.0.1", port: 0), reactor: reactor)
    defer { probe.close() }
    return probe.localAddress.port
  }

  @Test func deliversAQueuedMessageAtOnce() async throws {
    try await withFakeServer { h, server in
      // As the SMTP server stores it: a local-only Return-Path the queue must not send.
      let prefix = "Return-Path: <alice@a.test>\r\n".bytes
      try await h.store.enqueue(
        prefix + sampleMessage(), from: "alice@a.test", to: ["bob@b.test"],
        params: "SKIP=\(prefix.count) BODY=8BITMIME AUTH=alice@a.test")
      h.runner.wake()
      try await eventually("the queue empties") { try await h.queue.isEmpty }
      #expect(server.messages.count == 1)
      #expect(server.messages.first?.data == sampleMessage())
      #expect(server.messages.first?.mailLine == "MAIL FROM:<alice@a.test> BODY=8BITMIME")
      #expect(try await h.inbox().isEmpty)
      #expect(h.sink.lines.contains { $0.contains("event=delivery-delivered") })
    }
  }

  @Test func defersThenDeliversWhenTheServerComesBack() async throws {
    let reactor = try Reactor()
    defer { reactor.shutdown() }
    let port = try freePort(reactor)
    try await withRunner(routes: ["b.test": port]) { h in
      let start = h.clock.read()
      try await h.store.enqueue(sampleMessage(), from: "alice@a.test", to: ["bob@b.test"])
      h.runner.wake()
      try await eventually("a deferral") {
        if case .deferred = try await h.onlyState() { return true }
        return false
      }
      guard case .deferred(let next, let reply) = try await h.onlyState() else { return }
      #expect(next == start + 60)
      #expect(reply.contains("4.4.1"))
      #expect(try await h.queue.first?.recipients.first?.attempts == 1)

      let server = try FakeSMTPServer(reactor: reactor, port: port)
      defer { server.stop() }
      h.clock.advance(61)
      try await eventually("delivery after the retry interval") { try await h.queue.isEmpty }
      #expect(server.messages.map(\.recipients) == [["bob@b.test"]])
      #expect(try await h.inbox().isEmpty)
    }
  }

  @Test func queueRetryFromAnotherProcessActsWithoutAWake() async throws {
    var b = FakeSMTPServer.Behaviour()
    b.greeting = Reply(421, EnhancedStatusCode(4, 3, 2), "not now")
    try await withFakeServer(b) { h, server in
      try await h.store.enqueue(sampleMessage(), from: "alice@a.test", to: ["bob@b.test"])
      h.runner.wake()
      try await eventually("a deferral") {
        if case .deferred(_, let reply) = try await h.onlyState() {
          return reply == "127.0.0.1 said: 421 4.3.2 not now"
        }
        return false
      }
      server.update { $0.greeting = Reply(220, nil, "mx.fake.test ready") }
      // What `posta queue retry --all` does; the clock does not move.
      #expect(try await h.store.retryQueue(nil) == 1)
      try await eventually("delivery after the retry") { try await h.queue.isEmpty }
      #expect(server.messages.count == 1)
    }
  }

  @Test func failureBouncesToTheLocalSendersInbox() async throws {
    try await withFakeServer(Self.noSuchUser) { h, server in
      try await h.store.enqueue(sampleMessage(), from: "alice@a.test", to: ["bob@b.test"])
      h.runner.wake()
      try await eventually("a bounce in the INBOX") { try await h.inbox().count == 1 }
      #expect(try await h.queue.isEmpty)
      #expect(server.messages.isEmpty)
      let bounce = try await h.inbox()[0]
      #expect(bounce.starts(with: "Return-Path: <>\r\n".bytes))
      let dsn = try ParsedDSN(Array(bounce.dropFirst("Return-Path: <>\r\n".bytes.count)))
      #expect(dsn.header("To") == "<alice@a.test>")
      #expect(dsn.body(0).contains("127.0.0.1 said: 550 5.1.1 No such user here"))
      let blocks = dsn.statusBlocks
      #expect(blocks[1]["Final-Recipient"] == "rfc822; bob@b.test")
      #expect(blocks[1]["Action"] == "failed")
      #expect(blocks[1]["Status"] == "5.1.1")
      #expect(blocks[1]["Diagnostic-Code"] == "smtp; 550 5.1.1 No such user here")
      #expect(dsn.body(2).contains("Subject: test message"))
    }
  }

  @Test func nullSenderFailureMakesNoBounce() async throws {
    try await withFakeServer(Self.noSuchUser) { h, server in
      try await h.store.enqueue(sampleMessage(), from: "", to: ["bob@b.test"])
      h.runner.wake()
      try await eventually("the failure recorded") { try await h.queue.isEmpty }
      #expect(try await h.inbox().isEmpty)
      #expect(server.commands.contains("MAIL FROM:<>"))
      #expect(h.sink.lines.contains { $0.contains("event=delivery-failed") })
      #expect(!h.sink.lines.contains { $0.contains("event=bounce-sent") })
    }
  }

  @Test func threeDomainsOneFailingMakesTwoDeliveriesAndOneBounce() async throws {
    var b = FakeSMTPServer.Behaviour()
    b.rcptReply = { address in
      address.hasSuffix("@d.test")
        ? Reply(550, EnhancedStatusCode(5, 1, 1), "No such user here")
        : Reply(250, EnhancedStatusCode(2, 1, 5), "OK")
    }
    try await withFakeServer(b, routing: ["b.test", "c.test", "d.test"]) { h, server in
      try await h.store.enqueue(
        sampleMessage(), from: "alice@a.test",
        to: ["bob@b.test", "bob2@b.test", "carl@c.test", "dora@d.test"])
      h.runner.wake()
      try await eventually("all done") {
        let empty = try await h.queue.isEmpty
        let bounces = try await h.inbox().count
        return empty && bounces == 1
      }
      // One transaction per domain, the two b.test recipients together.
      #expect(
        Set(server.messages.map(\.recipients)) == [["bob@b.test", "bob2@b.test"], ["carl@c.test"]])
      let dsn = try ParsedDSN(Array(try await h.inbox()[0].dropFirst(17)))
      let blocks = dsn.statusBlocks
      #expect(blocks.count == 2)
      #expect(blocks[1]["Final-Recipient"] == "rfc822; dora@d.test")
      #expect(!dsn.body(0).contains("bob@b.test"))
    }
  }

  @Test func nullMXAndNXDOMAINBounceAtOnce() async throws {
    var dns = MockResolver()
    dns.nullMX = ["null.test"]
    try await withRunner(routes: [:], resolver: dns) { h in
      try await h.store.enqueue(
        sampleMessage(), from: "alice@a.test", to: ["x@null.test", "y@nowhere.test"])
      h.runner.wake()
      try await eventually("a bounce") { try await h.inbox().count == 1 }
      #expect(try await h.queue.isEmpty)
      let dsn = try ParsedDSN(Array(try await h.inbox()[0].dropFirst(17)))
      let statuses = dsn.statusBlocks.dropFirst().map { $0["Status"] ?? "" }
      #expect(Set(statuses) == ["5.1.10", "5.1.2"])
    }
  }

  @Test func temporaryDNSFailureDefers() async throws {
    var dns = MockResolver()
    dns.failures["b.test"] = .timedOut(name: "b.test", attempts: 3)
    try await withRunner(routes: [:], resolver: dns) { h in
      try await h.store.enqueue(sampleMessage(), from: "alice@a.test", to: ["bob@b.test"])
      h.runner.wake()
      try await eventually("a deferral") {
        if case .deferred(_, let reply) = try await h.onlyState() { return reply.contains("4.4.3") }
        return false
      }
      #expect(try await h.inbox().isEmpty)
    }
  }

  @Test func expiryFailsTheRecipientAndBounces() async throws {
    let reactor = try Reactor()
    defer { reactor.shutdown() }
    let port = try freePort(reactor)
    try await withRunner(
      routes: ["b.test": port],
      retry: RetrySchedule(intervals: [60], expiry: 100)
    ) { h in
      let start = h.clock.read()
      try await h.store.enqueue(sampleMessage(), from: "alice@a.test", to: ["bob@b.test"])
      h.runner.wake()
      try await eventually("first deferral") {
        if case .deferred(let next, _) = try await h.onlyState() { return next == start + 60 }
        return false
      }
      h.clock.advance(60)
      try await eventually("last try set for the deadline") {
        if case .deferred(let next, _) = try await h.onlyState() { return next == start + 100 }
        return false
      }
      h.clock.advance(40)
      try await eventually("a bounce") { try await h.inbox().count == 1 }
      #expect(try await h.queue.isEmpty)
      let dsn = try ParsedDSN(Array(try await h.inbox()[0].dropFirst(17)))
      #expect(dsn.statusBlocks[1]["Status"] == "5.4.7")
      #expect(dsn.body(0).contains("451 4.4.1"))
    }
  }

  @Test func delayWarningIsSentOnce() async throws {
    var b = FakeSMTPServer.Behaviour()
    b.greeting = Reply(421, EnhancedStatusCode(4, 3, 2), "busy")
    try await withFakeServer(b, retry: RetrySchedule(intervals: [60], delayWarning: 90)) { h, _ in
      try await h.store.enqueue(sampleMessage(), from: "alice@a.test", to: ["bob@b.test"])
      h.runner.wake()
      for attempt in 1...4 {
        try await eventually("attempt \(attempt)") {
          try await h.queue.first?.recipients.first?.attempts == attempt
        }
        h.clock.advance(61)
      }
      // Attempts at +0 and +61 came before the threshold, +122 crossed it, +183 did not.
      #expect(try await h.inbox().count == 1)
      let dsn = try ParsedDSN(Array(try await h.inbox()[0].dropFirst(17)))
      #expect(dsn.statusBlocks[1]["Action"] == "delayed")
      #expect(dsn.statusBlocks[1]["Status"] == "4.3.2")
      #expect(!(try await h.queue.isEmpty))
    }
  }

  @Test func bounceToARemoteSenderIsQueuedWithTheNullSender() async throws {
    var b = FakeSMTPServer.Behaviour()
    b.rcptReply = { address in
      address == "bob@b.test"
        ? Reply(550, EnhancedStatusCode(5, 1, 1), "No such user here")
        : Reply(250, EnhancedStatusCode(2, 1, 5), "OK")
    }
    try await withFakeServer(b, routing: ["b.test", "remote.test"]) { h, server in
      // Mail relayed for a remote sender (an alias forwarding, say).
      try await h.store.enqueue(sampleMessage(), from: "carol@remote.test", to: ["bob@b.test"])
      h.runner.wake()
      try await eventually("the bounce delivered") {
        let empty = try await h.queue.isEmpty
        return empty && server.messages.count == 1
      }
      let bounce = server.messages[0]
      #expect(bounce.mailLine.hasPrefix("MAIL FROM:<>"))
      #expect(bounce.recipients == ["carol@remote.test"])
      #expect(!bounce.data.starts(with: "Return-Path:".bytes))
      let dsn = try ParsedDSN(bounce.data)
      #expect(dsn.statusBlocks[1]["Final-Recipient"] == "rfc822; bob@b.test")
    }
  }

  @Test func shutdownLetsTheRunnerStop() async throws {
    try await withRunner(routes: [:]) { h in
      #expect(h.runner.inFlightCount == 0)
    }
  }
}
