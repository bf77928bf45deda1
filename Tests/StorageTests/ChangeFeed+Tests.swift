import Storage
import Testing

@Suite(.timeLimit(.minutes(1))) struct ChangeFeedTests {
  @Test func subscribersSeeEveryCommittedChange() async throws {
    try await StoreFixture.with { store, _ in
      let a = try await store.makeAccount("alice@example.test").id
      let inbox = try await store.inbox(a)
      let other = try await store.createMailbox(of: a, named: "Other")
      let stream = store.changes(of: inbox.id)
      let second = store.changes(of: inbox.id)
      #expect(store.subscriberCount(of: inbox.id) == 2)

      let r = try await store.deliverBytes([1], to: [a])
      try await store.deliverBytes([1], to: [a], metadata: nil)
      // A change to another mailbox does not show up here.
      _ = try await store.append(to: other.id, body: .bytes([3]))
      _ = try await store.storeFlags(in: inbox.id, uids: [1], .add, flags: .seen)
      _ = try await store.expunge(in: inbox.id, uids: [2], onlyDeleted: false)
      try await store.renameMailbox(of: a, from: "INBOX", to: "Renamed")

      guard case .stored(_, _, let m1) = r.outcomes[0] else { return }
      var seen: [MailboxChange] = []
      for await change in stream {
        seen.append(change)
        if seen.count == 5 { break }
      }
      #expect(seen[0] == .added(uid: 1, modseq: m1))
      #expect(seen[1] == .added(uid: 2, modseq: m1 + 1))
      #expect(seen[2] == .flags(uid: 1, flags: .seen, keywords: [], modseq: m1 + 2))
      #expect(seen[3] == .expunged(uids: [2], modseq: m1 + 3))
      // Renaming INBOX moves its one remaining message out (an expunge here).
      #expect(seen[4] == .expunged(uids: [1], modseq: m1 + 4))
      var n = 0
      for await _ in second {
        n += 1
        if n == 5 { break }
      }
      #expect(n == 5)
    }
  }

  @Test func deletionEndsTheStreamAndDroppingUnsubscribes() async throws {
    try await StoreFixture.with { store, _ in
      let a = try await store.makeAccount("alice@example.test").id
      let box = try await store.createMailbox(of: a, named: "Temp")
      let consumer = Task { () -> [MailboxChange] in
        var all: [MailboxChange] = []
        for await c in store.changes(of: box.id) { all.append(c) }
        return all
      }
      while store.subscriberCount(of: box.id) == 0 { await Task.yield() }
      try await store.renameMailbox(of: a, from: "Temp", to: "Temp2")
      try await store.deleteMailbox(of: a, named: "Temp2")
      #expect(await consumer.value == [.renamed(name: "Temp2"), .deleted])
      #expect(store.subscriberCount(of: box.id) == 0)

      let cancelled = Task {
        for await _ in store.changes(of: box.id) {}
      }
      while store.subscriberCount(of: box.id) == 0 { await Task.yield() }
      cancelled.cancel()
      await cancelled.value
      #expect(store.subscriberCount(of: box.id) == 0)
    }
  }
}
