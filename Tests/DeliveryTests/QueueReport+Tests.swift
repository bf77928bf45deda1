import Delivery
import Storage
import Testing

@Suite struct QueueReportTests {
  @Test func listAndShowDescribeEachRecipient() async throws {
    let clock = TestClock()
    try await withStore(clock: clock) { store, _ in
      #expect(QueueReport.list([], now: clock.read()) == "Queue is empty\n")
      let prefix = "Return-Path: <alice@a.test>\r\n".bytes
      let id = try await store.enqueue(
        prefix + sampleMessage(), from: "alice@a.test", to: ["bob@b.test", "carl@c.test"],
        params: "SKIP=\(prefix.count) AUTH=alice@a.test SMTPUTF8 RET=FULL ENVID=x1",
        recipientParams: ["bob@b.test": "NOTIFY=NEVER"])
      let queued = try #require(try await store.queuedMessage(id))
      let bob = queued.recipients[0].id
      try await store.updateQueue([
        QueueRecipientUpdate(
          recipient: bob,
          state: .deferred(
            nextAttempt: clock.read() + 300, lastReply: "mx.b.test said: 451 4.3.0 later"))
      ])
      clock.advance(90)
      let now = clock.read()
      let list = QueueReport.list(try await store.queuedMessages(), now: now)
      #expect(list.hasPrefix("\(id)  1m old  "))
      #expect(list.contains("from <alice@a.test>"))
      #expect(list.contains("bob@b.test  deferred, next try in 3m, 1 attempt"))
      #expect(list.contains("last reply: mx.b.test said: 451 4.3.0 later"))
      #expect(list.contains("carl@c.test  pending, 0 attempts"))
      #expect(list.hasSuffix("1 message(s), 2 recipient(s) waiting\n"))

      let message = try #require(try await store.queuedMessage(id))
      let header = await QueueReport.originalHeader(of: message, in: store)
      #expect(header.starts(with: "From: Alice".bytes))  // the local-only prefix skipped
      let show = QueueReport.show(message, header: header, now: now)
      #expect(show.contains("submitted by: alice@a.test"))
      #expect(show.contains("options:   SMTPUTF8 RET=FULL ENVID=x1"))
      #expect(
        show.contains(
          "bob@b.test  deferred, next try in 3m, 1 attempt\n      last reply: mx.b.test said: 451 4.3.0 later\n      options: NOTIFY=NEVER\n"
        ))
      #expect(!list.contains("NOTIFY"), "list stays short")
      #expect(show.contains("    Subject: test message"))
    }
  }
}
