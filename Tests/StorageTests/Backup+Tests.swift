import Foundation
import Storage
import Testing

@Suite struct BackupTests {
  @Test func backupIsAConsistentOpenableCopy() async throws {
    try await StoreFixture.with { store, dir in
      let a = try await store.makeAccount("alice@example.test")
      var bodies: [[UInt8]] = []
      for i in 0..<20 {
        bodies.append(StoreFixture.message(i, size: 30_000 + i))
        try await store.deliverBytes(bodies[i], to: [a.id])
      }
      // Deliveries keep going while the backup runs.
      let writer = Task {
        for i in 20..<60 {
          try await store.deliverBytes(StoreFixture.message(i, size: 1_000), to: [a.id])
        }
      }
      let path = try await store.backup(to: dir + "/backup/today")
      try await writer.value
      #expect(path == dir + "/backup/today/posta.db")
      await #expect(throws: StorageError.self) {
        _ = try await store.backup(to: dir + "/backup/today")
      }

      // Restore: a data_dir holding only the copy.
      let restored = dir + "/restored"
      try FileManager.default.createDirectory(atPath: restored, withIntermediateDirectories: true)
      try FileManager.default.copyItem(atPath: path, toPath: restored + "/posta.db")
      var config = StoreConfig(dataDirectory: restored, hostedDomains: StoreFixture.domains)
      config.minimumFreeBytes = 0
      let copy = try await MailStore.open(config)
      let account = try #require(try await copy.account(address: "alice@example.test"))
      let inbox = try await copy.inbox(account.id)
      let messages = try await copy.messages(in: inbox.id)
      #expect(messages.count >= 20)
      // Whatever made it into the copy is complete and consistent with the counters.
      #expect(account.usedMessages == Int64(messages.count))
      for m in messages.prefix(20) {
        #expect(try await copy.bodyBytes(m.body) == bodies[Int(m.uid) - 1])
      }
      await copy.close()
    }
  }
}
