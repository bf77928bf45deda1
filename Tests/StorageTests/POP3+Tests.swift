import Storage
import Testing

@Suite struct POP3Tests {
  @Test func lockIsExclusiveAndReleasedWhenDropped() async throws {
    try await StoreFixture.with { store, _ in
      let a = try await store.makeAccount("alice@example.test").id
      let b = try await store.makeAccount("bob@example.test").id
      var first = store.lockPOP3(a)
      #expect(first != nil)
      #expect(store.lockPOP3(a) == nil)
      let other = store.lockPOP3(b)
      #expect(other != nil)
      first = nil  // a dropped session releases its lock
      let again = try #require(store.lockPOP3(a))
      again.release()
      again.release()
      #expect(store.lockPOP3(a) != nil)
      _ = other
    }
  }

  @Test func snapshotStaysFixedAndQuitExpungesAtomically() async throws {
    try await StoreFixture.with { store, _ in
      let a = try await store.makeAccount("alice@example.test").id
      var sizes: [Int] = []
      for i in 0..<5 {
        sizes.append(100 + i)
        try await store.deliverBytes(StoreFixture.message(i, size: 100 + i), to: [a])
      }
      let snap = try await store.pop3Snapshot(a)
      #expect(snap.messages.map(\.uid) == [1, 2, 3, 4, 5])
      #expect(snap.messages.map(\.size) == sizes.map(Int64.init))
      // New mail and an IMAP expunge do not renumber the session's maildrop.
      try await store.deliverBytes([9], to: [a])
      _ = try await store.expunge(in: snap.mailbox, uids: [3], onlyDeleted: false)
      #expect(snap.messages.count == 5)
      // RETR of the message IMAP expunged fails cleanly; RETR sets \Seen.
      await #expect(throws: StorageError.messageNotFound(uid: 3)) {
        for try await _ in store.readMessage(in: snap.mailbox, uid: 3) {}
      }
      var bytes: [UInt8] = []
      for try await c in store.readMessage(in: snap.mailbox, uid: 2) { bytes += c }
      #expect(bytes == StoreFixture.message(1, size: 101))
      _ = try await store.storeFlags(in: snap.mailbox, uids: [2], .add, flags: .seen)
      // QUIT: the marked messages go in one transaction (the gone one is skipped).
      let gone = try await store.expunge(in: snap.mailbox, uids: [1, 3, 5], onlyDeleted: false)
      #expect(gone == [1, 5])
      let later = try await store.pop3Snapshot(a)
      #expect(later.messages.map(\.uid) == [2, 4, 6])
      #expect(later.uidValidity == snap.uidValidity)
      #expect(try await store.message(in: snap.mailbox, uid: 2)?.flags == .seen)
    }
  }

  @Test func smallMessagesComeWholeInOneReadAndExpungesMoveTheStamp() async throws {
    try await StoreFixture.with { store, _ in
      let a = try await store.makeAccount("alice@example.test").id
      let b = try await store.makeAccount("bob@example.test").id
      for i in 0..<3 {
        try await store.deliverBytes(StoreFixture.message(i, size: 200 + i), to: [a])
      }
      try await store.deliverBytes([], to: [a])
      try await store.deliverBytes([1], to: [b])
      let snap = try await store.pop3Snapshot(a)
      let other = try await store.pop3Snapshot(b)
      let stamp = store.expungeStamp(of: snap.mailbox)
      let read = try await store.readSmallMessages(in: snap.mailbox, uids: [3, 1, 9, 4])
      #expect(
        read == [StoreFixture.message(2, size: 202), StoreFixture.message(0, size: 200), nil, []])
      // Flags and new mail leave the stamp alone; an expunge moves it, as does one in
      // another mailbox that may share its slot.
      _ = try await store.storeFlags(in: snap.mailbox, uids: [1], .add, flags: .seen)
      try await store.deliverBytes([2], to: [a])
      #expect(store.expungeStamp(of: snap.mailbox) == stamp)
      _ = try await store.expunge(in: snap.mailbox, uids: [2], onlyDeleted: false)
      let moved = store.expungeStamp(of: snap.mailbox)
      #expect(moved != stamp)
      #expect(try await store.readSmallMessages(in: snap.mailbox, uids: [2]) == [nil])
      _ = try await store.expunge(in: other.mailbox, uids: [1], onlyDeleted: false)
      #expect(store.expungeStamp(of: other.mailbox) != stamp)
    }
  }

  @Test func snapshotsCarryTheCanonicalSizeCountedAtDelivery() async throws {
    try await StoreFixture.with { store, _ in
      let a = try await store.makeAccount("alice@example.test").id
      // A CRLF split across the 64 KiB chunk boundary is one line end, not a bare LF.
      var split = [UInt8](repeating: UInt8(ascii: "x"), count: 65_535) + [0x0D, 0x0A]
      split += Array("tail\nend".utf8)
      let cases: [([UInt8], Int64)] = [
        (Array("a\r\nb\r\n".utf8), 6),
        (Array("a\nb\n".utf8), 6),
        (Array("a\r\nno end".utf8), 11),
        (Array("a\rb\r".utf8), 6),
        ([], 0),
        (split, Int64(split.count) + 1 + 2),
      ]
      for (bytes, _) in cases { try await store.deliverBytes(bytes, to: [a]) }
      let snap = try await store.pop3Snapshot(a)
      #expect(snap.messages.map(\.canonicalSize) == cases.map(\.1))
      #expect(snap.messages.map(\.size) == cases.map { Int64($0.0.count) })
    }
  }

  @Test func messageRangesStartAnywhereAndClampToTheBody() async throws {
    try await StoreFixture.with { store, _ in
      let a = try await store.makeAccount("alice@example.test").id
      let bytes = StoreFixture.message(0, size: 150_000)
      try await store.deliverBytes(bytes, to: [a])
      let snap = try await store.pop3Snapshot(a)
      let uid = try #require(snap.messages.first?.uid)
      func read(_ range: Range<Int64>?) async throws -> [UInt8] {
        var out: [UInt8] = []
        for try await c in store.readMessage(in: snap.mailbox, uid: uid, range: range) { out += c }
        return out
      }
      #expect(try await read(nil) == bytes)
      #expect(try await read(0..<10) == Array(bytes[0..<10]))
      // Starting in the second chunk, across the boundary to the third.
      #expect(try await read(70_000..<140_000) == Array(bytes[70_000..<140_000]))
      #expect(try await read(140_000..<1_000_000) == Array(bytes[140_000...]))
      #expect(try await read(200_000..<300_000).isEmpty)
      _ = try await store.expunge(in: snap.mailbox, uids: [uid], onlyDeleted: false)
      await #expect(throws: StorageError.messageNotFound(uid: uid)) {
        _ = try await read(70_000..<140_000)
      }
    }
  }
}
