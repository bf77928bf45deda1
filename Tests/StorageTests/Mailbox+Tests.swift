import Storage
import Testing

@Suite struct MailboxTests {
  @Test func createRenameDeleteWithHierarchy() async throws {
    try await StoreFixture.with { store, _ in
      let a = try await store.makeAccount("alice@example.test").id
      let deep = try await store.createMailbox(of: a, named: "Projects/2026/Ünïcode")
      #expect(deep.name == "Projects/2026/Ünïcode")
      let names = try await store.mailboxes(of: a).map(\.name)
      #expect(names.contains("Projects") && names.contains("Projects/2026"))
      await #expect(throws: StorageError.mailboxExists("Projects/2026/Ünïcode")) {
        _ = try await store.createMailbox(of: a, named: "Projects/2026/Ünïcode")
      }
      for bad in ["", "/x", "x/", "a//b", "tab\there", "star*", "pct%"] {
        await #expect(throws: StorageError.invalidMailboxName(bad)) {
          _ = try await store.createMailbox(of: a, named: bad)
        }
      }
      try await store.renameMailbox(of: a, from: "Projects", to: "Work/Old")
      let after = try await store.mailboxes(of: a).map(\.name)
      #expect(after.contains("Work/Old/2026/Ünïcode") && !after.contains("Projects"))
      #expect(try await store.mailbox(id: deep.id)?.name == "Work/Old/2026/Ünïcode")
      #expect(try await store.mailbox(id: deep.id)?.uidValidity == deep.uidValidity)
      await #expect(throws: StorageError.mailboxNotAllowed("INBOX cannot be deleted")) {
        try await store.deleteMailbox(of: a, named: "inbox")
      }
      try await store.deleteMailbox(of: a, named: "Work/Old/2026/Ünïcode")
      #expect(try await store.mailbox(id: deep.id) == nil)
      // Created again under the same name, it gets a new UIDVALIDITY.
      let again = try await store.createMailbox(of: a, named: "Work/Old/2026/Ünïcode")
      #expect(again.uidValidity != deep.uidValidity)
    }
  }

  @Test func renamingInboxMovesItsMessages() async throws {
    try await StoreFixture.with { store, _ in
      let a = try await store.makeAccount("alice@example.test").id
      try await store.deliverBytes([1], to: [a])
      try await store.deliverBytes([2], to: [a])
      try await store.renameMailbox(of: a, from: "INBOX", to: "Old Inbox")
      let old = try #require(try await store.mailbox(of: a, named: "Old Inbox"))
      #expect(try await store.messages(in: old.id).count == 2)
      let inbox = try await store.inbox(a)
      #expect(try await store.messages(in: inbox.id).isEmpty)
      #expect(try await store.expungedUIDs(in: inbox.id, since: 0) == [1, 2])
    }
  }

  @Test func subscriptionsAndSpecialUse() async throws {
    try await StoreFixture.with { store, _ in
      let a = try await store.makeAccount("alice@example.test").id
      try await store.subscribe(a, to: "Not/Yet/There")
      try await store.unsubscribe(a, from: "Junk")
      let subs = try await store.subscriptions(of: a)
      #expect(subs.contains("Not/Yet/There") && !subs.contains("Junk"))
      let box = try await store.createMailbox(of: a, named: "Everything", specialUse: .all)
      #expect(box.specialUse == .all)
      try await store.setSpecialUse(box.id, nil)
      #expect(try await store.mailbox(id: box.id)?.specialUse == nil)
    }
  }

  @Test func flagsModseqAndExpungeHistory() async throws {
    try await StoreFixture.with { store, _ in
      let a = try await store.makeAccount("alice@example.test").id
      for i in 0..<4 { try await store.deliverBytes([UInt8(i)], to: [a]) }
      let inbox = try await store.inbox(a)
      let start = inbox.highestModseq
      let r = try await store.storeFlags(
        in: inbox.id, uids: [1, 2, 9], .add, flags: [.seen, .flagged], keywords: ["$Work"])
      #expect(r.updated.map(\.uid) == [1, 2])
      #expect(r.updated.allSatisfy { $0.modseq == start + 1 && $0.keywords == ["$Work"] })
      // Setting what is already set changes nothing and takes no MODSEQ.
      let same = try await store.storeFlags(in: inbox.id, uids: [1], .add, flags: .seen)
      #expect(same.updated.isEmpty)
      // UNCHANGEDSINCE below a message's MODSEQ reports it as modified.
      let cond = try await store.storeFlags(
        in: inbox.id, uids: [1, 3], .replace, flags: .answered, unchangedSince: start)
      #expect(cond.modified == [1] && cond.updated.map(\.uid) == [3])
      let changed = try await store.messages(in: inbox.id, changedSince: start)
      #expect(changed.map(\.uid) == [1, 2, 3])
      let removed = try await store.storeFlags(
        in: inbox.id, uids: [1], .remove, flags: .seen, keywords: ["$Work"])
      #expect(removed.updated.first?.flags == [.flagged] && removed.updated.first?.keywords == [])
      await #expect(throws: StorageError.invalidArgument("invalid keyword \"bad word\"")) {
        _ = try await store.storeFlags(
          in: inbox.id, uids: [1], .add, flags: [], keywords: ["bad word"])
      }

      _ = try await store.storeFlags(in: inbox.id, uids: [2, 4], .add, flags: .deleted)
      let before = try await store.mailbox(id: inbox.id)!.highestModseq
      #expect(try await store.expunge(in: inbox.id) == [2, 4])
      #expect(try await store.expungedUIDs(in: inbox.id, since: before) == [2, 4])
      #expect(try await store.expungedUIDs(in: inbox.id, since: before + 1).isEmpty)
      let status = try await store.status(of: inbox.id)
      #expect(status.messages == 2 && status.unseen == 2 && status.firstUnseenUID == 1)
      #expect(status.mailbox.uidNext == 5)
      // UIDs are never reused after an expunge.
      let r5 = try await store.deliverBytes([5], to: [a])
      #expect(r5.outcomes == [.stored(mailbox: inbox.id, uid: 5, modseq: before + 2)])
    }
  }
}
