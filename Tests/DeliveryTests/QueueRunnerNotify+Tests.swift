import DNS
import Delivery
import MIME
import Net
import SMTPCore
import Storage
import Testing

/// The queue runner and DSN (RFC 3461): NOTIFY decides which reports go out, RET/ENVID and
/// ORCPT come back in them, and a server without DSN gets a "relayed" report for SUCCESS.
extension QueueRunnerTests {
  @Test func notifyNeverOrWithoutFailureMakesNoBounce() async throws {
    try await withFakeServer(Self.noSuchUser) { h, _ in
      try await h.store.enqueue(
        sampleMessage(), from: "alice@a.test", to: ["bob@b.test", "carl@b.test"],
        recipientParams: ["bob@b.test": "NOTIFY=NEVER", "carl@b.test": "NOTIFY=DELAY,SUCCESS"])
      h.runner.wake()
      try await eventually("both failures recorded") { try await h.queue.isEmpty }
      #expect(try await h.inbox().isEmpty)
      #expect(h.sink.lines.filter { $0.contains("event=delivery-failed") }.count == 2)
      #expect(!h.sink.lines.contains { $0.contains("event=bounce-sent") })

      // The same failure with NOTIFY=FAILURE (or none) bounces, naming only that one.
      try await h.store.enqueue(
        sampleMessage(), from: "alice@a.test", to: ["dora@b.test", "erin@b.test", "finn@b.test"],
        recipientParams: ["dora@b.test": "NOTIFY=FAILURE", "erin@b.test": "NOTIFY=NEVER"])
      h.runner.wake()
      try await eventually("a bounce") { try await h.inbox().count == 1 }
      let dsn = try ParsedDSN(Array(try await h.inbox()[0].dropFirst(17)))
      #expect(
        dsn.statusBlocks.dropFirst().compactMap { $0["Final-Recipient"] } == [
          "rfc822; dora@b.test", "rfc822; finn@b.test",
        ])
    }
  }

  @Test func delayWarningsOnlyForRecipientsThatAskForThem() async throws {
    var b = FakeSMTPServer.Behaviour()
    b.greeting = Reply(421, EnhancedStatusCode(4, 3, 2), "busy")
    try await withFakeServer(b, retry: RetrySchedule(intervals: [60], delayWarning: 90)) { h, _ in
      try await h.store.enqueue(
        sampleMessage(), from: "alice@a.test", to: ["bob@b.test", "carl@b.test", "dan@b.test"],
        recipientParams: ["bob@b.test": "NOTIFY=FAILURE", "carl@b.test": "NOTIFY=DELAY"])
      h.runner.wake()
      for attempt in 1...3 {
        try await eventually("attempt \(attempt)") {
          try await h.queue.first?.recipients.allSatisfy { $0.attempts == attempt } ?? false
        }
        h.clock.advance(61)
      }
      #expect(try await h.inbox().count == 1)
      let dsn = try ParsedDSN(Array(try await h.inbox()[0].dropFirst(17)))
      #expect(dsn.header("Subject") == "Delayed mail: delivery not yet done")
      #expect(
        dsn.statusBlocks.dropFirst().compactMap { $0["Final-Recipient"] } == [
          "rfc822; carl@b.test", "rfc822; dan@b.test",
        ])
    }
  }

  @Test func retFullReturnsTheWholeMessageWithEnvidAndOrcpt() async throws {
    try await withFakeServer(Self.noSuchUser) { h, _ in
      let message = sampleMessage(body: "The body comes back too.")
      try await h.store.enqueue(
        message, from: "alice@a.test", to: ["bob@b.test"], params: "RET=FULL ENVID=QQ314159",
        recipientParams: ["bob@b.test": "NOTIFY=FAILURE ORCPT=rfc822;bobby@a.test"])
      h.runner.wake()
      try await eventually("a bounce") { try await h.inbox().count == 1 }
      let dsn = try ParsedDSN(Array(try await h.inbox()[0].dropFirst(17)))
      let blocks = dsn.statusBlocks
      #expect(blocks[0]["Original-Envelope-Id"] == "QQ314159")
      #expect(blocks[1]["Original-Recipient"] == "rfc822;bobby@a.test")
      #expect(blocks[1]["Final-Recipient"] == "rfc822; bob@b.test")
      #expect(dsn.parts[2].contentType.mimeType == "message/rfc822")
      #expect(dsn.body(2).contains("The body comes back too."))
      #expect(dsn.body(0).contains("Your message is attached below."))

      // RET=HDRS (or no RET): the header only.
      try await h.store.enqueue(
        message, from: "alice@a.test", to: ["bob@b.test"], params: "RET=HDRS")
      h.runner.wake()
      try await eventually("a second bounce") { try await h.inbox().count == 2 }
      let second = try ParsedDSN(Array(try await h.inbox()[1].dropFirst(17)))
      #expect(second.parts[2].contentType.mimeType == "text/rfc822-headers")
      #expect(!second.body(2).contains("The body comes back too."))
      #expect(second.statusBlocks[1]["Original-Recipient"] == nil)
    }
  }

  @Test func notifySuccessToAServerWithoutDSNGivesARelayedReport() async throws {
    try await withFakeServer { h, server in
      try await h.store.enqueue(
        sampleMessage(), from: "alice@a.test", to: ["bob@b.test", "carl@b.test"],
        params: "RET=FULL ENVID=E1",
        recipientParams: ["bob@b.test": "NOTIFY=SUCCESS ORCPT=rfc822;bob@b.test"])
      h.runner.wake()
      try await eventually("a relay report") { try await h.inbox().count == 1 }
      #expect(try await h.queue.isEmpty)
      #expect(server.messages.first?.mailLine == "MAIL FROM:<alice@a.test>")
      let dsn = try ParsedDSN(Array(try await h.inbox()[0].dropFirst(17)))
      #expect(dsn.header("Subject") == "Successful mail delivery report")
      let blocks = dsn.statusBlocks
      #expect(blocks.count == 2, "carl asked for nothing")
      #expect(blocks[0]["Original-Envelope-Id"] == "E1")
      #expect(blocks[1]["Action"] == "relayed")
      #expect(blocks[1]["Status"] == "2.0.0")
      #expect(blocks[1]["Original-Recipient"] == "rfc822;bob@b.test")
      // A success report returns the header only, whatever RET says (RFC 3461 §4.3).
      #expect(dsn.parts[2].contentType.mimeType == "text/rfc822-headers")
      #expect(h.sink.lines.contains { $0.contains("event=relay-notice-sent") })
    }
  }

  @Test func aServerWithDSNGetsTheParametersAndWeSendNoReport() async throws {
    var b = FakeSMTPServer.Behaviour()
    b.dsn = true
    try await withFakeServer(b) { h, server in
      try await h.store.enqueue(
        sampleMessage(), from: "alice@a.test", to: ["bob@b.test"], params: "RET=HDRS ENVID=E2",
        recipientParams: ["bob@b.test": "NOTIFY=SUCCESS,DELAY ORCPT=rfc822;al@a.test"])
      h.runner.wake()
      try await eventually("delivered") { try await h.queue.isEmpty }
      #expect(server.messages.first?.mailLine == "MAIL FROM:<alice@a.test> RET=HDRS ENVID=E2")
      #expect(
        server.commands.contains("RCPT TO:<bob@b.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;al@a.test")
      )
      #expect(try await h.inbox().isEmpty)
    }
  }

  @Test func aRefusingGreetingAtTheOnlyHostBounces() async throws {
    var b = FakeSMTPServer.Behaviour()
    b.greeting = Reply(554, EnhancedStatusCode(5, 7, 1), "go away")
    try await withFakeServer(b) { h, _ in
      try await h.store.enqueue(sampleMessage(), from: "alice@a.test", to: ["bob@b.test"])
      h.runner.wake()
      try await eventually("a bounce") { try await h.inbox().count == 1 }
      #expect(try await h.queue.isEmpty)
      let dsn = try ParsedDSN(Array(try await h.inbox()[0].dropFirst(17)))
      #expect(dsn.statusBlocks[1]["Status"] == "5.7.1")
      #expect(dsn.body(0).contains("127.0.0.1 said: 554 5.7.1 go away"))
    }
  }
}
