import Storage
import Testing

@Suite struct QueueTests {
  @Test func dueLimitCountsMessagesNotRecipients() async throws {
    let clock = TestClock()
    try await StoreFixture.with(clock: clock.read) { store, _ in
      var ids: [QueueID] = []
      for n in 0..<3 {
        let r = try await store.deliver(
          Delivery(
            body: .bytes(StoreFixture.message(n, size: 100)), targets: [],
            outbound: OutboundEnvelope(
              sender: "a@example.test", recipients: (0..<5).map { "r\($0)@m\(n).test" })))
        ids.append(try #require(r.queueID))
      }
      let now = clock.now.load(ordering: .relaxed)
      let due = try await store.dueQueuedMessages(now: now, limit: 2)
      #expect(due.map(\.id) == Array(ids.prefix(2)))
      #expect(due.allSatisfy { $0.recipients.count == 5 })
    }
  }

  @Test func recipientStatesMoveAndFinishedEntriesGo() async throws {
    let clock = TestClock()
    try await StoreFixture.with(clock: clock.read) { store, _ in
      let a = try await store.makeAccount("alice@example.test").id
      let body = StoreFixture.message(1, size: 2_000)
      let r = try await store.deliver(
        Delivery(
          body: .bytes(body), targets: [DeliveryTarget(account: a)],
          outbound: OutboundEnvelope(
            sender: "alice@example.test", recipients: ["x@one.test", "y@two.test", "z@three.test"],
            params: "SMTPUTF8")))
      let id = try #require(r.queueID)
      let now = clock.now.load(ordering: .relaxed)
      var due = try await store.dueQueuedMessages(now: now)
      #expect(due.map(\.id) == [id])
      let entry = due[0]
      #expect(
        entry.sender == "alice@example.test" && entry.params == "SMTPUTF8" && entry.size == 2_000)
      #expect(entry.recipients.map(\.state) == [.pending, .pending, .pending])
      #expect(try await store.bodyBytes(entry.body) == body)
      let (x, y, z) = (entry.recipients[0].id, entry.recipients[1].id, entry.recipients[2].id)

      // First attempt: one delivered, one deferred, one failed.
      let finished = try await store.updateQueue([
        QueueRecipientUpdate(recipient: x, state: .delivered(reply: "250 2.0.0 ok")),
        QueueRecipientUpdate(
          recipient: y, state: .deferred(nextAttempt: now + 60, lastReply: "451 4.3.0 later")),
        QueueRecipientUpdate(recipient: z, state: .failed(reply: "550 5.1.1 no such user")),
      ])
      #expect(finished.isEmpty)
      #expect(try await store.dueQueuedMessages(now: now).isEmpty)
      #expect(try await store.nextQueueAttempt() == now + 60)
      let listed = try #require(try await store.queuedMessage(id))
      #expect(
        listed.recipients[1].state == .deferred(nextAttempt: now + 60, lastReply: "451 4.3.0 later")
      )
      #expect(listed.recipients[1].attempts == 1)
      #expect(listed.recipients[2].state == .failed(reply: "550 5.1.1 no such user"))

      // Due again after the delay, or at once after `queue retry`.
      clock.advance(30)
      #expect(try await store.dueQueuedMessages(now: clock.now.load(ordering: .relaxed)).isEmpty)
      let counter = try await store.changeCounter()
      #expect(try await store.retryQueue(id) == 1)
      #expect(try await store.changeCounter() > counter)
      due = try await store.dueQueuedMessages(now: clock.now.load(ordering: .relaxed))
      #expect(due.map(\.id) == [id])

      // The bounce for z is stored together with y's final state: the entry is done.
      let bounce = try await store.deliver(
        Delivery(
          body: .bytes(Array("bounce".utf8)), targets: [DeliveryTarget(account: a)],
          queueUpdates: [QueueRecipientUpdate(recipient: y, state: .delivered(reply: "250 ok"))]))
      #expect(bounce.queueID == nil)
      #expect(try await store.queuedMessage(id) == nil)
      #expect(try await store.queuedMessages().isEmpty)
      #expect(try await store.bodyInfo(entry.body)?.references == 1)  // INBOX copy only
      await #expect(throws: StorageError.queueEntryNotFound(id: id.rawValue)) {
        try await store.deleteQueued(id)
      }
    }
  }

  @Test func remoteOnlyDeliveryAndDelete() async throws {
    try await StoreFixture.with { store, _ in
      let r = try await store.deliver(
        Delivery(
          body: .bytes([1, 2]), targets: [],
          outbound: OutboundEnvelope(sender: "", recipients: ["a@remote.test"])))
      let id = try #require(r.queueID)
      #expect(r.outcomes.isEmpty)
      #expect(try await store.queuedMessages().map(\.sender) == [""])
      try await store.deleteQueued(id)
      #expect(try await store.bodyInfo(r.body) == nil)
      await #expect(throws: StorageError.queueEntryNotFound(id: 12345)) {
        try await store.updateQueue([QueueRecipientUpdate(recipient: 12345, state: .pending)])
      }
    }
  }
}
