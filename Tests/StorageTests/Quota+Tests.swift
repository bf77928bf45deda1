import Storage
import Testing

@Suite struct QuotaTests {
  @Test func exactlyAtTheLimitIsAcceptedOneByteOverIsNot() async throws {
    try await StoreFixture.with { store, _ in
      let alice = try await store.makeAccount("alice@example.test", quotaBytes: 10_000)
      try await store.deliverBytes(StoreFixture.message(1, size: 6_000), to: [alice.id])
      // 6,000 + 4,001 would be one byte over.
      await #expect(throws: StorageError.overQuota(account: "alice@example.test")) {
        try await store.deliverBytes(StoreFixture.message(2, size: 4_001), to: [alice.id])
      }
      // 6,000 + 4,000 is exactly the limit.
      try await store.deliverBytes(StoreFixture.message(3, size: 4_000), to: [alice.id])
      let a = try #require(try await store.account(id: alice.id))
      #expect(a.usedBytes == 10_000 && a.usedMessages == 2)
      #expect(a.hasRoom(for: 0) && !a.hasRoom(for: 1))
      // Full: even one byte is refused; the failed attempt left nothing behind.
      await #expect(throws: StorageError.overQuota(account: "alice@example.test")) {
        try await store.deliverBytes([1], to: [alice.id])
      }
      #expect(try await store.inbox(alice.id).uidNext == 3)
      // Expunging frees room again.
      let inbox = try await store.inbox(alice.id)
      _ = try await store.expunge(in: inbox.id, uids: [1], onlyDeleted: false)
      try await store.deliverBytes([1], to: [alice.id])
    }
  }

  @Test func messageCountQuota() async throws {
    try await StoreFixture.with { store, _ in
      let bob = try await store.makeAccount("bob@example.test", quotaMessages: 2)
      try await store.deliverBytes([1], to: [bob.id])
      try await store.deliverBytes([2], to: [bob.id])
      await #expect(throws: StorageError.overQuota(account: "bob@example.test")) {
        try await store.deliverBytes([3], to: [bob.id])
      }
      // Copying counts too; moving within the account does not change usage.
      let inbox = try await store.inbox(bob.id)
      let archive = try #require(try await store.mailbox(of: bob.id, named: "Archive"))
      await #expect(throws: StorageError.overQuota(account: "bob@example.test")) {
        _ = try await store.copyMessages(from: inbox.id, uids: [1], to: archive.id)
      }
      let moved = try await store.moveMessages(from: inbox.id, uids: [1, 2], to: archive.id)
      #expect(moved.map(\.destination) == [1, 2])
      // Lifting the quota lets mail in.
      try await store.setQuota(bob.id, bytes: nil, messages: nil)
      try await store.deliverBytes([3], to: [bob.id])
    }
  }

  @Test func twoCopiesForOneAccountCountTwice() async throws {
    try await StoreFixture.with { store, _ in
      let a = try await store.makeAccount("a@example.test", quotaBytes: 1_000)
      // Two targets in the same account: 2 × 600 > 1,000.
      await #expect(throws: StorageError.overQuota(account: "a@example.test")) {
        try await store.deliver(
          Delivery(
            body: .bytes(StoreFixture.message(1, size: 600)),
            targets: [
              DeliveryTarget(account: a.id),
              DeliveryTarget(account: a.id, mailbox: .named("Archive")),
            ]))
      }
    }
  }

  @Test func skipTargetPolicyDeliversToTheOthers() async throws {
    try await StoreFixture.with { store, _ in
      let full = try await store.makeAccount("full@example.test", quotaBytes: 10)
      let ok = try await store.makeAccount("ok@example.test")
      let r = try await store.deliver(
        Delivery(
          body: .bytes(StoreFixture.message(1, size: 100)),
          targets: [DeliveryTarget(account: full.id), DeliveryTarget(account: ok.id)],
          overQuota: .skipTarget))
      #expect(r.outcomes[0] == .overQuota)
      guard case .stored = r.outcomes[1] else {
        Issue.record("second target not stored")
        return
      }
      #expect(try await store.bodyInfo(r.body)?.references == 1)
      // Nobody has room: the delivery fails and stores nothing.
      await #expect(throws: StorageError.self) {
        try await store.deliver(
          Delivery(
            body: .bytes(StoreFixture.message(2, size: 100)),
            targets: [DeliveryTarget(account: full.id)], overQuota: .skipTarget))
      }
    }
  }

  @Test func concurrentDeliveriesNeverOvershootTheQuota() async throws {
    try await StoreFixture.with { store, _ in
      let alice = try await store.makeAccount("alice@example.test", quotaBytes: 50 * 1_000)
      let outcomes = await withTaskGroup(of: Bool.self) { group in
        for i in 0..<120 {
          group.addTask {
            do {
              try await store.deliverBytes(StoreFixture.message(i, size: 1_000), to: [alice.id])
              return true
            } catch {
              return false
            }
          }
        }
        var accepted = 0
        for await ok in group where ok { accepted += 1 }
        return accepted
      }
      #expect(outcomes == 50)
      let a = try #require(try await store.account(id: alice.id))
      #expect(a.usedBytes == 50_000 && a.usedMessages == 50)
      #expect(try await store.messages(in: store.inbox(alice.id).id).count == 50)
    }
  }

  @Test func lowFreeSpaceIsDiskFullNotOverQuota() async throws {
    try await StoreFixture.with(minimumFreeBytes: .max) { store, _ in
      // Creating an account adds data too, so it is refused the same way.
      await #expect(
        throws: StorageError.diskFull("free space under data_dir is below the configured minimum")
      ) {
        _ = try await store.makeAccount("alice@example.test")
      }
    }
    try await StoreFixture.with { store, dir in
      let alice = try await store.makeAccount("alice@example.test")
      await store.close()
      var config = StoreConfig(dataDirectory: dir + "/data", hostedDomains: StoreFixture.domains)
      config.minimumFreeBytes = .max
      let low = try await MailStore.open(config)
      await #expect(
        throws: StorageError.diskFull("free space under data_dir is below the configured minimum")
      ) {
        try await low.deliverBytes([1, 2, 3], to: [alice.id])
      }
      // Deleting (which frees space) still works, and nothing half-written stays.
      #expect(try await low.messages(in: low.inbox(alice.id).id).isEmpty)
      try await low.deleteMailbox(of: alice.id, named: "Junk")
      await low.close()
    }
  }
}
