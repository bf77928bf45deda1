import Storage
import Testing

@Suite struct AliasTests {
  @Test func resolvesAccountsCaseInsensitively() async throws {
    try await StoreFixture.with { store, _ in
      let alice = try await store.makeAccount("Alice@Example.TEST")
      #expect(alice.address == "alice@example.test")
      let expected = RecipientResolution.deliver(
        local: [ResolvedAccount(id: alice.id, address: "alice@example.test")], remote: [])
      #expect(try await store.resolveRecipient("ALICE@example.test") == expected)
      #expect(try await store.resolveRecipient("alice+news@EXAMPLE.test") == expected)
      #expect(try await store.resolveRecipient("bob@example.test") == .unknownRecipient)
      #expect(try await store.resolveRecipient("bob@elsewhere.test") == .notHosted)
      await #expect(throws: StorageError.invalidAddress("no-at-sign")) {
        _ = try await store.resolveRecipient("no-at-sign")
      }
    }
  }

  @Test func aliasesExpandToLocalAndRemoteTargets() async throws {
    try await StoreFixture.with { store, _ in
      let alice = try await store.makeAccount("alice@example.test")
      let bob = try await store.makeAccount("bob@other.test")
      try await store.setAlias(
        "team@example.test", targets: ["Alice@example.test", "bob@other.test", "carol@remote.test"])
      try await store.setAlias(
        "all@example.test", targets: ["team@example.test", "alice@example.test"])
      let a = ResolvedAccount(id: alice.id, address: "alice@example.test")
      let b = ResolvedAccount(id: bob.id, address: "bob@other.test")
      #expect(
        try await store.resolveRecipient("all@example.test")
          == .deliver(local: [a, b], remote: ["carol@remote.test"]))
      // Sub-addressing applies to aliases too.
      #expect(
        try await store.resolveRecipient("team+x@example.test")
          == .deliver(local: [a, b], remote: ["carol@remote.test"]))
      #expect(
        try await store.aliases().map(\.address) == ["all@example.test", "team@example.test"])
      // Replacing an alias replaces its targets.
      try await store.setAlias("team@example.test", targets: ["bob@other.test"])
      #expect(
        try await store.resolveRecipient("team@example.test") == .deliver(local: [b], remote: []))
      try await store.deleteAlias("TEAM@example.test")
      #expect(try await store.resolveRecipient("team@example.test") == .unknownRecipient)
      await #expect(throws: StorageError.aliasNotFound("team@example.test")) {
        try await store.deleteAlias("team@example.test")
      }
    }
  }

  @Test func catchAllTakesWhatNothingElseMatches() async throws {
    try await StoreFixture.with { store, _ in
      let alice = try await store.makeAccount("alice@example.test")
      let bob = try await store.makeAccount("bob@example.test")
      try await store.setAlias("@example.test", targets: ["bob@example.test"])
      let b = RecipientResolution.deliver(
        local: [ResolvedAccount(id: bob.id, address: "bob@example.test")], remote: [])
      #expect(try await store.resolveRecipient("whoever@example.test") == b)
      // An existing account wins over the catch-all, with or without a tag.
      #expect(
        try await store.resolveRecipient("alice+x@example.test")
          == .deliver(
            local: [ResolvedAccount(id: alice.id, address: "alice@example.test")], remote: []))
      // The catch-all is per domain.
      #expect(try await store.resolveRecipient("whoever@other.test") == .unknownRecipient)
    }
  }

  @Test func loopsAreRefusedWithTheirChain() async throws {
    try await StoreFixture.with { store, _ in
      _ = try await store.makeAccount("alice@example.test")
      try await store.setAlias("a@example.test", targets: ["alice@example.test"])
      try await store.setAlias("b@example.test", targets: ["a@example.test"])
      await #expect(
        throws: StorageError.aliasLoop(["a@example.test", "b@example.test", "a@example.test"])
      ) {
        try await store.setAlias("a@example.test", targets: ["b@example.test"])
      }
      // The refused change left the old alias in place.
      #expect(
        try await store.aliases().first { $0.address == "a@example.test" }?.targets == [
          "alice@example.test"
        ])
      await #expect(throws: StorageError.aliasLoop(["self@example.test", "self@example.test"])) {
        try await store.setAlias("self@example.test", targets: ["self@example.test"])
      }
      // A loop through sub-addressing.
      await #expect(throws: StorageError.self) {
        try await store.setAlias("sales@example.test", targets: ["sales+copy@example.test"])
      }
      // A catch-all pointing at an address that only the catch-all would take.
      await #expect(throws: StorageError.self) {
        try await store.setAlias("@example.test", targets: ["nobody@example.test"])
      }
    }
  }

  @Test func aliasCreationChecksItsInput() async throws {
    try await StoreFixture.with { store, _ in
      _ = try await store.makeAccount("alice@example.test")
      await #expect(throws: StorageError.unknownDomain("nowhere.test")) {
        try await store.setAlias("x@nowhere.test", targets: ["alice@example.test"])
      }
      await #expect(throws: StorageError.addressInUse("alice@example.test")) {
        try await store.setAlias("alice@example.test", targets: ["x@remote.test"])
      }
      await #expect(throws: StorageError.invalidAddress("not an address")) {
        try await store.setAlias("x@example.test", targets: ["not an address"])
      }
      await #expect(throws: StorageError.accountNotFound("ghost@example.test")) {
        try await store.setAlias("x@example.test", targets: ["ghost@example.test"])
      }
      try await store.setAlias("x@example.test", targets: ["alice@example.test"])
      await #expect(throws: StorageError.addressInUse("x@example.test")) {
        _ = try await store.makeAccount("x@example.test")
      }
    }
  }
}
