/// Answers by (name, type) until their TTL runs out, at most `capacity` of
/// them. Not thread-safe: the resolver keeps it inside its mutex.
///
/// When full, expired entries go first, then the tenth that would expire
/// soonest; dropping a batch keeps the cost of the sort to one per
/// `capacity / 10` inserts.
struct DNSCache {
  struct Key: Hashable {
    var name: DNSName
    var type: DNSRecordType
  }

  struct Entry {
    var answer: DNSAnswer
    /// Clock time when the entry stops being served.
    var expires: Duration
  }

  private(set) var entries: [Key: Entry] = [:]
  let capacity: Int

  init(capacity: Int) {
    self.capacity = max(1, capacity)
  }

  var count: Int { entries.count }

  /// The cached answer, its `ttl` lowered to the seconds it has left, or nil
  /// if absent or expired (an expired entry is dropped).
  mutating func get(_ key: Key, now: Duration) -> DNSAnswer? {
    guard let e = entries[key] else { return nil }
    guard e.expires > now else {
      entries[key] = nil
      return nil
    }
    var answer = e.answer
    let left = (e.expires - now).components.seconds
    answer.ttl = UInt32(clamping: left)
    return answer
  }

  /// Stores `answer` for its `ttl` seconds; a zero TTL is not stored.
  mutating func put(_ answer: DNSAnswer, now: Duration) {
    guard answer.ttl > 0 else { return }
    let key = Key(name: answer.question.name, type: answer.question.type)
    if entries[key] == nil && entries.count >= capacity { makeRoom(now: now) }
    entries[key] = Entry(answer: answer, expires: now + .seconds(Int64(answer.ttl)))
  }

  mutating func removeAll() {
    entries = [:]
  }

  private mutating func makeRoom(now: Duration) {
    entries = entries.filter { $0.value.expires > now }
    guard entries.count >= capacity else { return }
    let drop = max(1, capacity / 10)
    let soonest = entries.sorted { $0.value.expires < $1.value.expires }.prefix(drop)
    for (key, _) in soonest { entries[key] = nil }
  }
}
