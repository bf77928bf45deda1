import Synchronization

/// Counts authentication failures and decides delays and lockouts (see `ThrottlePolicy`).
final class FailureThrottle: Sendable {
  /// What a lockout covers.
  enum Scope: String, Sendable {
    /// One client on one account.
    case account
    /// One client on every account.
    case client
  }

  private struct Counter {
    var failures = 0
    var lastFailure: Duration = .zero
    var lockedUntil: Duration?

    /// Forgets failures that are old or whose lockout has run out.
    mutating func expire(now: Duration, policy: ThrottlePolicy) {
      if let until = lockedUntil, now >= until {
        self = Counter()
      } else if lockedUntil == nil, failures > 0, now - lastFailure >= policy.failureMemory {
        self = Counter()
      }
    }

    func isStale(now: Duration, policy: ThrottlePolicy) -> Bool {
      if let until = lockedUntil { return now >= until }
      return now - lastFailure >= policy.failureMemory
    }
  }

  private struct Pair: Hashable {
    let client: String
    let login: String
  }

  private struct State {
    var pairs: [Pair: Counter] = [:]
    var clients: [String: Counter] = [:]
  }

  private let policy: ThrottlePolicy
  private let state = Mutex(State())

  init(policy: ThrottlePolicy) { self.policy = policy }

  /// The lockout in force for `client` (a `ClientAddress.throttleKey`) on `login`, if any.
  func lockout(client: String, login: String?, now: Duration) -> Scope? {
    state.withLock { s in
      if let until = s.clients[client]?.lockedUntil, now < until { return .client }
      if let login, let until = s.pairs[Pair(client: client, login: login)]?.lockedUntil,
        now < until
      {
        return .account
      }
      return nil
    }
  }

  /// Records a failure and returns the delay before replying, and the lockouts this
  /// failure started. `login` is nil when the exchange failed before naming an account.
  func recordFailure(
    client: String, login: String?, now: Duration
  ) -> (delay: Duration, newLockouts: [Scope]) {
    let policy = self.policy
    return state.withLock { s in
      if s.clients.count + s.pairs.count >= policy.maxTracked { Self.prune(&s, now: now, policy) }
      var newLockouts: [Scope] = []

      var clientCounter = s.clients[client] ?? Counter()
      clientCounter.expire(now: now, policy: policy)
      clientCounter.failures += 1
      clientCounter.lastFailure = now
      if clientCounter.lockedUntil == nil,
        clientCounter.failures >= policy.clientLockoutThreshold
      {
        clientCounter.lockedUntil = now + policy.lockoutDuration
        newLockouts.append(.client)
      }
      s.clients[client] = clientCounter
      var count = clientCounter.failures

      if let login {
        let key = Pair(client: client, login: login)
        var pairCounter = s.pairs[key] ?? Counter()
        pairCounter.expire(now: now, policy: policy)
        pairCounter.failures += 1
        pairCounter.lastFailure = now
        if pairCounter.lockedUntil == nil,
          pairCounter.failures >= policy.accountLockoutThreshold
        {
          pairCounter.lockedUntil = now + policy.lockoutDuration
          newLockouts.append(.account)
        }
        s.pairs[key] = pairCounter
        count = max(count, pairCounter.failures)
      }
      return (policy.delay(afterFailures: count), newLockouts)
    }
  }

  /// A successful login forgets that pair's failures (not the client's: other accounts
  /// behind the same address may still be under attack).
  func recordSuccess(client: String, login: String) {
    _ = state.withLock { $0.pairs.removeValue(forKey: Pair(client: client, login: login)) }
  }

  /// Drops stale entries; if that is not enough, the least recently failing ones until
  /// a tenth of the room is free again.
  private static func prune(_ s: inout State, now: Duration, _ policy: ThrottlePolicy) {
    s.clients = s.clients.filter { !$0.value.isStale(now: now, policy: policy) }
    s.pairs = s.pairs.filter { !$0.value.isStale(now: now, policy: policy) }
    let target = policy.maxTracked * 9 / 10
    guard s.clients.count + s.pairs.count > target else { return }
    let excess = s.clients.count + s.pairs.count - target
    let oldestPairs = s.pairs.sorted { $0.value.lastFailure < $1.value.lastFailure }
    for (key, _) in oldestPairs.prefix(excess) { s.pairs[key] = nil }
    let remaining = s.clients.count + s.pairs.count - target
    guard remaining > 0 else { return }
    let oldestClients = s.clients.sorted { $0.value.lastFailure < $1.value.lastFailure }
    for (key, _) in oldestClients.prefix(remaining) { s.clients[key] = nil }
  }
}
