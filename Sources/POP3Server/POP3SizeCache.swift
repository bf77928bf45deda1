import POP3Core
import Storage
import Synchronization

/// The RETR sizes (`POP3MessageSize`: CRLF-normalised, before byte-stuffing) of a
/// snapshot's messages. The store counts them at delivery (`canonicalSize`); bodies
/// stored before it did (schema 3 and older) are measured here once and kept in memory,
/// so STAT and LIST on a large maildrop cost a dictionary lookup per message after the
/// first login.
///
/// The in-memory part is keyed by (UIDVALIDITY, UID). The key never names another
/// message: UIDVALIDITY comes from a store-wide counter and a UID is never reused under
/// it, and a message's body never changes. Body ids are not a safe key on their own, since
/// SQLite may reuse a freed body's row id. The body id is stored too and checked on
/// lookup, as a guard.
///
/// Cost, for older bodies only: after a restart each is read once at its maildrop's first
/// login (about 40 MB for 10,000 messages of 4 KB), one body at a time. Memory: about 50
/// bytes per measured message; when `capacity` is exceeded the whole cache is dropped and
/// refilled as sessions log in.
final class POP3SizeCache: Sendable {
  private struct Entry: Sendable {
    var body: BodyID
    var size: Int
  }

  /// Most entries kept before the cache is emptied.
  let capacity: Int
  private let entries = Mutex<[UInt64: Entry]>([:])
  private let measured = Atomic(0)

  init(capacity: Int = 2_000_000) {
    self.capacity = capacity
  }

  /// Messages measured by reading their body (tests check the cache saves the work).
  var measurements: Int { measured.load(ordering: .relaxed) }

  /// The RETR size of each snapshot message, in snapshot order. A message whose body
  /// cannot be read (expunged and freed since the snapshot) gets its stored size: RETR
  /// will answer `-ERR` for it anyway.
  func sizes(of snapshot: POP3Snapshot, store: MailStore) async throws(StorageError) -> [Int] {
    let validity = snapshot.uidValidity
    var sizes = [Int](repeating: -1, count: snapshot.messages.count)
    var missing: [Int] = []
    entries.withLock { cache in
      for (i, m) in snapshot.messages.enumerated() {
        if let known = m.canonicalSize {
          sizes[i] = Int(known)
        } else if let e = cache[Self.key(validity, m.uid)], e.body == m.body {
          sizes[i] = e.size
        } else {
          missing.append(i)
        }
      }
    }
    if missing.isEmpty { return sizes }

    let found = try await measure(missing.map { snapshot.messages[$0] }, store: store)
    for (i, size) in zip(missing, found) { sizes[i] = size }
    entries.withLock { cache in
      if cache.count + missing.count > capacity { cache.removeAll() }
      for i in missing {
        let m = snapshot.messages[i]
        cache[Self.key(validity, m.uid)] = Entry(body: m.body, size: sizes[i])
      }
    }
    return sizes
  }

  /// Forgets messages that were expunged (they will never be asked for again).
  func remove(uidValidity: UInt32, uids: [UInt32]) {
    entries.withLock { cache in
      for uid in uids { cache[Self.key(uidValidity, uid)] = nil }
    }
  }

  private static func key(_ uidValidity: UInt32, _ uid: UInt32) -> UInt64 {
    UInt64(uidValidity) << 32 | UInt64(uid)
  }

  /// Reads `messages`; sizes in the same order.
  private func measure(
    _ messages: [POP3Snapshot.Message], store: MailStore
  ) async throws(StorageError) -> [Int] {
    measured.add(messages.count, ordering: .relaxed)
    // One message at a time. A task group of typed-throwing children here crashed in
    // release builds (index out of range on a result array whose indices were all in
    // range), so the reads are sequential until that is understood; sizes are cached,
    // so this runs once per message after a restart.
    var results: [Result<Int, StorageError>] = []
    results.reserveCapacity(messages.count)
    for message in messages {
      do throws(StorageError) {
        results.append(.success(try await Self.measure(message, store: store)))
      } catch {
        results.append(.failure(error))
      }
    }
    return try results.map { result throws(StorageError) in try result.get() }
  }

  private static func measure(
    _ message: POP3Snapshot.Message, store: MailStore
  ) async throws(StorageError) -> Int {
    var size = POP3MessageSize()
    var iterator = store.readBody(message.body, range: 0..<message.size).makeAsyncIterator()
    do throws(StorageError) {
      // Stop at the known size: saves the read that would only report the end.
      while size.storedOctets < message.size, let chunk = try await iterator.next() {
        size.append(chunk)
      }
    } catch .bodyNotFound {
      return Int(message.size)
    }
    return size.octets
  }
}
