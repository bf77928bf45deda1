import Storage
import Testing

@Suite struct AccountTests {
  @Test func newAccountsGetTheStandardMailboxes() async throws {
    try await StoreFixture.with { store, _ in
      let alice = try await store.makeAccount("alice@example.test")
      let boxes = try await store.mailboxes(of: alice.id)
      #expect(boxes.map(\.name) == ["Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"])
      #expect(boxes.first { $0.name == "Sent" }?.specialUse == .sent)
      #expect(boxes.first { $0.name == "INBOX" }?.specialUse == nil)
      #expect(Set(boxes.map(\.uidValidity)).count == boxes.count)
      #expect(try await store.subscriptions(of: alice.id).count == 6)
    }
  }

  @Test func creationIsValidated() async throws {
    try await StoreFixture.with { store, _ in
      _ = try await store.makeAccount("alice@example.test")
      await #expect(throws: StorageError.accountExists("alice@example.test")) {
        _ = try await store.makeAccount("ALICE@example.test")
      }
      await #expect(throws: StorageError.unknownDomain("undeclared.test")) {
        _ = try await store.makeAccount("bob@undeclared.test")
      }
      for bad in [
        "bob", "@example.test", "bob@", "a b@example.test", ".bob@example.test",
        "bob@exa_mple.test",
      ] {
        await #expect(throws: StorageError.invalidAddress(bad)) {
          _ = try await store.makeAccount(bad)
        }
      }
      #expect(
        try await store.domainSummaries() == [
          DomainSummary(name: "example.test", accounts: 1),
          DomainSummary(name: "other.test", accounts: 0),
        ])
    }
  }

  @Test func credentialsAndAppPasswords() async throws {
    try await StoreFixture.with { store, _ in
      let alice = try await store.makeAccount("alice@example.test")
      try await store.setPassword(alice.id, hash: [9, 9])
      let phone = try await store.addAppPassword(alice.id, name: "phone", hash: [1])
      _ = try await store.addAppPassword(alice.id, name: "laptop", hash: [2])
      await #expect(throws: StorageError.appPasswordExists(name: "phone")) {
        _ = try await store.addAppPassword(alice.id, name: "phone", hash: [3])
      }
      var creds = try #require(try await store.credentials(login: "Alice@Example.test"))
      #expect(creds.passwordHash == [9, 9])
      #expect(creds.appPasswords.map(\.name) == ["laptop", "phone"])
      try await store.recordAppPasswordUse(phone.id)
      #expect(try await store.appPasswords(alice.id).first { $0.name == "phone" }?.lastUsed != nil)
      try await store.revokeAppPassword(alice.id, name: "phone")
      await #expect(throws: StorageError.appPasswordNotFound(name: "phone")) {
        try await store.revokeAppPassword(alice.id, name: "phone")
      }
      creds = try #require(try await store.credentials(login: "alice@example.test"))
      #expect(creds.appPasswords.map(\.name) == ["laptop"])
      #expect(try await store.credentials(login: "nobody@example.test") == nil)
      #expect(try await store.credentials(login: "malformed") == nil)
      try await store.setEnabled(alice.id, false)
      #expect(try await store.account(address: "alice@example.test")?.enabled == false)
    }
  }

  @Test func deletingAnAccountRemovesEverythingOfIt() async throws {
    try await StoreFixture.with { store, _ in
      let alice = try await store.makeAccount("alice@example.test")
      let bob = try await store.makeAccount("bob@example.test")
      _ = try await store.addAppPassword(alice.id, name: "phone", hash: [1])
      let r = try await store.deliverBytes([1, 2, 3], to: [alice.id, bob.id])
      try await store.deleteAccount(alice.id)
      #expect(try await store.account(id: alice.id) == nil)
      #expect(try await store.mailboxes(of: alice.id).isEmpty)
      #expect(try await store.appPasswords(alice.id).isEmpty)
      #expect(try await store.bodyInfo(r.body)?.references == 1)
      #expect(try await store.accounts().map(\.address) == ["bob@example.test"])
      await #expect(throws: StorageError.accountNotFound(alice.id.description)) {
        try await store.deleteAccount(alice.id)
      }
      // The address can be used again, with fresh UIDVALIDITYs.
      let again = try await store.makeAccount("alice@example.test")
      #expect(again.id != alice.id)
    }
  }
}
