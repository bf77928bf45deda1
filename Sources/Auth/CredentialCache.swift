import Crypto
import Synchronization

/// Verified passwords, so a mail client that logs in every few minutes costs one key
/// derivation per TTL instead of one per login (as Dovecot's auth cache does).
///
/// Keys are HMAC-SHA-256(secret, login ‖ NUL ‖ password) with a per-process secret, so the
/// cache holds no password and nothing an attacker could test guesses against offline.
/// An entry records which credential matched and its StoredKey; a hit counts only if the
/// store still holds that very credential, enabled (checked by the caller on each login).
final class CredentialCache: Sendable {
  struct Entry: Sendable {
    let accountID: Int64
    /// nil: the account password matched.
    let appPasswordID: Int64?
    let storedKey: [UInt8]
    let expires: Duration
  }

  private struct State {
    var entries: [[UInt8]: Entry] = [:]
    var byAccount: [Int64: Set<[UInt8]>] = [:]

    mutating func remove(_ key: [UInt8]) {
      guard let entry = entries.removeValue(forKey: key) else { return }
      byAccount[entry.accountID]?.remove(key)
      if byAccount[entry.accountID]?.isEmpty == true { byAccount[entry.accountID] = nil }
    }
  }

  private let secret: [UInt8]
  private let ttl: Duration
  private let capacity: Int
  private let state = Mutex(State())

  init(secret: [UInt8], ttl: Duration, capacity: Int) {
    self.secret = secret
    self.ttl = ttl
    self.capacity = max(capacity, 1)
  }

  /// The cache key for a normalised login and the password bytes as received.
  func key(login: String, password: [UInt8]) -> [UInt8] {
    HMAC.sha256(key: secret, data: Array(login.utf8) + [0] + password)
  }

  /// The live entry under `key`, if any.
  func lookup(_ key: [UInt8], now: Duration) -> Entry? {
    state.withLock { s in
      guard let entry = s.entries[key] else { return nil }
      if now >= entry.expires {
        s.remove(key)
        return nil
      }
      return entry
    }
  }

  /// Remembers a verified password.
  func insert(
    _ key: [UInt8], accountID: Int64, appPasswordID: Int64?, storedKey: [UInt8], now: Duration
  ) {
    let entry = Entry(
      accountID: accountID, appPasswordID: appPasswordID, storedKey: storedKey,
      expires: now + ttl)
    let capacity = self.capacity
    state.withLock { s in
      s.remove(key)
      if s.entries.count >= capacity { Self.makeRoom(&s, now: now, capacity: capacity) }
      s.entries[key] = entry
      s.byAccount[accountID, default: []].insert(key)
    }
  }

  /// Forgets every verification for `accountID`.
  func invalidate(account accountID: Int64) {
    state.withLock { s in
      for key in s.byAccount[accountID] ?? [] { s.entries[key] = nil }
      s.byAccount[accountID] = nil
    }
  }

  /// Forgets everything.
  func invalidateAll() { state.withLock { $0 = State() } }

  var count: Int { state.withLock { $0.entries.count } }

  /// Drops expired entries, then those expiring first until a tenth of the room is free.
  private static func makeRoom(_ s: inout State, now: Duration, capacity: Int) {
    for (key, entry) in s.entries where now >= entry.expires { s.remove(key) }
    let target = capacity * 9 / 10
    guard s.entries.count > target else { return }
    let soonest = s.entries.sorted { $0.value.expires < $1.value.expires }
    for (key, _) in soonest.prefix(s.entries.count - target) { s.remove(key) }
  }
}
