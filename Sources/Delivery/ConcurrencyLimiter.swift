import Synchronization

/// Bounds the deliveries running at once, in total and per destination (a domain's MX
/// set, a static route's host, the smarthost). Waiters are served first come, first
/// served among those whose destination has room, so one slow destination cannot starve
/// the others of the total.
final class ConcurrencyLimiter: Sendable {
  private struct Waiter {
    let id: UInt64
    let key: String
    let continuation: CheckedContinuation<Void, any Error>
  }

  private struct State {
    var running = 0
    var perKey: [String: Int] = [:]
    var waiters: [Waiter] = []
    var nextID: UInt64 = 0
  }

  let total: Int
  let perDestination: Int
  private let state = Mutex(State())

  init(total: Int, perDestination: Int) {
    self.total = max(1, total)
    self.perDestination = max(1, perDestination)
  }

  /// Slots in use now, for tests and logs.
  var running: Int { state.withLock { $0.running } }

  /// Waits for a slot for `key`. Throws `CancellationError` if the task is cancelled first.
  func acquire(_ key: String) async throws {
    let id = state.withLock { s -> UInt64 in
      s.nextID += 1
      return s.nextID
    }
    try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
        let granted = state.withLock { s -> Bool? in
          if Task.isCancelled { return nil }
          if s.running < total && s.perKey[key, default: 0] < perDestination {
            s.running += 1
            s.perKey[key, default: 0] += 1
            return true
          }
          s.waiters.append(Waiter(id: id, key: key, continuation: c))
          return false
        }
        switch granted {
        case true?: c.resume()
        case nil: c.resume(throwing: CancellationError())
        case false?: break
        }
      }
    } onCancel: {
      let waiter = state.withLock { s -> Waiter? in
        guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
        return s.waiters.remove(at: i)
      }
      waiter?.continuation.resume(throwing: CancellationError())
    }
  }

  /// Gives back a slot taken by `acquire(key)` and hands free slots to waiters.
  func release(_ key: String) {
    let ready = state.withLock { s -> [Waiter] in
      s.running -= 1
      s.perKey[key, default: 1] -= 1
      if s.perKey[key] == 0 { s.perKey[key] = nil }
      var ready: [Waiter] = []
      var i = 0
      while i < s.waiters.count && s.running < total {
        let w = s.waiters[i]
        if s.perKey[w.key, default: 0] < perDestination {
          s.running += 1
          s.perKey[w.key, default: 0] += 1
          ready.append(s.waiters.remove(at: i))
        } else {
          i += 1
        }
      }
      return ready
    }
    for w in ready { w.continuation.resume() }
  }

  /// Runs `body` holding a slot for `key`.
  func withSlot<T: Sendable>(_ key: String, _ body: () async -> T) async throws -> T {
    try await acquire(key)
    defer { release(key) }
    return await body()
  }
}
