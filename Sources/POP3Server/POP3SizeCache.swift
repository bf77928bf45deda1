import POP3Core
import Storage
import Synchronization

/// The RETR sizes (`POP3MessageSize`: CRLF-normalised, before byte-stuffing) of messages
/// already measured, so STAT and LIST on a large maildrop cost a dictionary lookup per
/// message after the first login.
///
/// Why a cache in memory, keyed by (UIDVALIDITY, UID): the store keeps raw sizes only, and
/// a stored message may hold bare LFs, so the RETR size is known only after reading the
/// body once. The body's metadata blob belongs to IMAP's ENVELOPE/BODYSTRUCTURE cache and
/// is not ours to write; a column in the store would be the durable home (see the issue
/// note). The key never names another message: UIDVALIDITY comes from a store-wide
/// counter and a UID is never reused under it, and a message's body never changes. Body
/// ids are not a safe key on their own, since SQLite may reuse a freed body's row id. The
/// body id is stored too and checked on lookup, as a guard.
///
/// Cost: after a restart each maildrop is read once at its first login (about 40 MB for
/// 10,000 messages of 4 KB), with up to `parallelReads` bodies read at a time on the
/// store's reader threads. Memory: about 50 bytes per message; when `capacity` is
/// exceeded the whole cache is dropped and refilled as sessions log in.
final class POP3SizeCache: Sendable {
  private struct Entry: Sendable {
    var body: BodyID
    var size: Int
  }

  /// Most entries kept before the cache is emptied.
  let capacity: Int
  /// Bodies read at once when measuring.
  let parallelReads: Int
  private let entries = Mutex<[UInt64: Entry]>([:])
  private let measured = Atomic(0)

  init(capacity: Int = 2_000_000, parallelReads: Int = 4) {
    self.capacity = capacity
    self.parallelReads = parallelReads
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
        if let e = cache[Self.key(validity, m.uid)], e.body == m.body {
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

  /// Reads `messages` with at most `parallelReads` in flight; sizes in the same order.
  private func measure(
    _ messages: [POP3Snapshot.Message], store: MailStore
  ) async throws(StorageError) -> [Int] {
    let parallel = max(1, parallelReads)
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
    _ = parallel
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
