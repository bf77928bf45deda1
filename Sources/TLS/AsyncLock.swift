import Synchronization

/// A FIFO lock held across suspension points, for the few places where an order
/// must survive awaits (one reader at a time; encrypted bytes sent in the order the
/// session produced them). Waiters are not cancellable: holders only wait on I/O,
/// which cancellation ends.
final class AsyncLock: Sendable {
  private struct State {
    var locked = false
    var waiters: [CheckedContinuation<Void, Never>] = []
  }

  private let state = Mutex(State())

  /// Takes the lock if it is free.
  func tryLock() -> Bool {
    state.withLock { s in
      if s.locked { return false }
      s.locked = true
      return true
    }
  }

  /// Waits for the lock.
  func lock() async {
    if tryLock() { return }
    await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
      let acquired = state.withLock { s in
        if !s.locked {
          s.locked = true
          return true
        }
        s.waiters.append(c)
        return false
      }
      if acquired { c.resume() }
    }
  }

  /// Releases the lock, handing it straight to the longest waiter if there is one.
  func unlock() {
    let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
      precondition(s.locked, "unlock of an unlocked AsyncLock")
      if s.waiters.isEmpty {
        s.locked = false
        return nil
      }
      return s.waiters.removeFirst()
    }
    next?.resume()
  }
}
