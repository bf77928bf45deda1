import Synchronization

/// Wakes the queue runner's loop early: `signal()` from any task ends the current (or next)
/// `wait(timeout:)` at once. Signals given while nobody waits are remembered as one.
final class WakeSignal: Sendable {
  private struct State {
    var pending = false
    var waiter: (id: UInt64, continuation: CheckedContinuation<Bool, Never>)?
    /// A wait whose timer or cancellation came before it registered.
    var expired: UInt64?
    var nextID: UInt64 = 0
  }

  private let state = Mutex(State())

  /// Wakes the waiter, or the next one to wait.
  func signal() {
    let waiter = state.withLock { s -> CheckedContinuation<Bool, Never>? in
      guard let w = s.waiter else {
        s.pending = true
        return nil
      }
      s.waiter = nil
      return w.continuation
    }
    waiter?.resume(returning: true)
  }

  /// Waits for a signal or `timeout`, whichever comes first; returns true for a signal.
  /// Cancellation ends the wait (returning false). One waiter at a time.
  func wait(timeout: Duration) async -> Bool {
    let id = state.withLock { s -> UInt64 in
      s.nextID += 1
      return s.nextID
    }
    let timer = Task { [self] in
      try? await Task.sleep(for: timeout)
      expire(id)
    }
    defer { timer.cancel() }
    return await withTaskCancellationHandler {
      await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
        let resumeNow = state.withLock { s -> Bool? in
          if s.pending {
            s.pending = false
            return true
          }
          if s.expired == id || Task.isCancelled { return false }
          precondition(s.waiter == nil, "WakeSignal has one waiter at a time")
          s.waiter = (id, c)
          return nil
        }
        if let resumeNow { c.resume(returning: resumeNow) }
      }
    } onCancel: {
      expire(id)
    }
  }

  /// Ends wait `id` without a signal (its timer, or cancellation).
  private func expire(_ id: UInt64) {
    let waiter = state.withLock { s -> CheckedContinuation<Bool, Never>? in
      guard let w = s.waiter, w.id == id else {
        s.expired = id
        return nil
      }
      s.waiter = nil
      return w.continuation
    }
    waiter?.resume(returning: false)
  }
}
