import Foundation
import Testing

@testable import Storage

@Suite struct MigrationTests {
  @Test func migrationsAreIdempotentAndUpgradeOldDatabases() async throws {
    let dir = try StoreFixture.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/posta.db"
    do {
      // A database left at schema version 1, with data in it.
      let db = try SQLiteDatabase(path: path, busyTimeoutMS: 1000)
      #expect(try Schema.migrate(db, upTo: 1, now: 1_000) == 1)
      try db.run(
        "INSERT INTO accounts (address, domain, created) VALUES ('old@example.test', 'example.test', 1)"
      )
      #expect(try db.scalar("PRAGMA user_version") == 1)
      // Running the rest applies exactly the missing migrations, once.
      #expect(try Schema.migrate(db, now: 1_000) == Schema.latestVersion - 1)
      #expect(try Schema.migrate(db, now: 1_000) == 0)
      #expect(try db.scalar("PRAGMA user_version") == Int64(Schema.latestVersion))
      #expect(try db.scalar("SELECT count(*) FROM accounts") == 1)
      #expect(try db.scalar("SELECT count(*) FROM queue") == 0)
    }
    // Opening the store on it (twice) keeps the data.
    var config = StoreConfig(dataDirectory: dir, hostedDomains: ["example.test"])
    config.minimumFreeBytes = 0
    for _ in 0..<2 {
      let store = try await MailStore.open(config)
      #expect(try await store.account(address: "old@example.test") != nil)
      await store.close()
    }
  }

  @Test func aNewerSchemaIsRefused() async throws {
    let dir = try StoreFixture.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    do {
      let db = try SQLiteDatabase(path: dir + "/posta.db", busyTimeoutMS: 1000)
      try db.execute("PRAGMA user_version = 999")
    }
    let config = StoreConfig(dataDirectory: dir, hostedDomains: ["example.test"])
    await #expect(throws: StorageError.schemaTooNew(found: 999, supported: Schema.latestVersion)) {
      _ = try await MailStore.open(config)
    }
  }

  @Test func twoStoresOnOneDatabaseSeeEachOther() async throws {
    // The server and a CLI command: two processes in real life, two stores here.
    try await StoreFixture.with { server, dir in
      var config = StoreConfig(dataDirectory: dir + "/data", hostedDomains: StoreFixture.domains)
      config.minimumFreeBytes = 0
      let before = try await server.changeCounter()
      let cli = try await MailStore.open(config)
      let alice = try await cli.makeAccount("alice@example.test")
      try await cli.setAlias("al@example.test", targets: ["alice@example.test"])
      await cli.close()
      #expect(try await server.changeCounter() > before)
      #expect(try await server.account(address: "alice@example.test")?.id == alice.id)
      #expect(
        try await server.resolveRecipient("al@example.test")
          == .deliver(
            local: [ResolvedAccount(id: alice.id, address: "alice@example.test")], remote: []))
      // The database and its WAL are private: they hold password hashes.
      var st = stat()
      #expect(stat(dir + "/data/posta.db", &st) == 0 && st.st_mode & 0o077 == 0)
    }
  }
}

@Suite struct QueueMigrationTests {
  @Test func queueEntriesFromBeforeRecipientParamsStillLoadAndNewOnesKeepThem() async throws {
    let dir = try StoreFixture.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    do {
      // A data_dir at schema version 2 with one queued message for one recipient.
      let db = try SQLiteDatabase(path: dir + "/posta.db", busyTimeoutMS: 1000)
      #expect(try Schema.migrate(db, upTo: 2, now: 1_000) == 2)
      try db.run(
        "INSERT INTO bodies (id, size, refs, chunks, created) VALUES (1, 2, 0, 1, 1000)")
      try db.run("INSERT INTO body_chunks (body_id, seq, data) VALUES (1, 0, x'6869')")
      try db.run(
        "INSERT INTO queue (id, body_id, sender, params, created) VALUES (7, 1, 'a@x.test', 'RET=FULL', 1000)"
      )
      try db.run(
        """
        INSERT INTO queue_recipients (queue_id, address, state, next_attempt, updated)
        VALUES (7, 'old@remote.test', 0, 1000, 1000)
        """)
    }
    var config = StoreConfig(dataDirectory: dir, hostedDomains: ["example.test"])
    config.minimumFreeBytes = 0
    let store = try await MailStore.open(config)
    let old = try #require(try await store.queuedMessage(QueueID(7)))
    #expect(old.params == "RET=FULL")
    #expect(old.recipients.map(\.address) == ["old@remote.test"])
    #expect(old.recipients.map(\.params) == [""])
    #expect(try await store.bodyBytes(old.body) == Array("hi".utf8))

    let receipt = try await store.deliver(
      Delivery(
        body: .bytes([1]), targets: [],
        outbound: OutboundEnvelope(
          sender: "a@x.test", recipients: ["n@remote.test", "m@remote.test"],
          recipientParams: ["n@remote.test": "NOTIFY=NEVER"])))
    let newID = try #require(receipt.queueID)
    let new = try #require(try await store.queuedMessage(newID))
    #expect(new.recipients.map(\.params) == ["NOTIFY=NEVER", ""])
    await store.close()
  }
}
