import Synchronization

/// Monotonic time for failure delays, lockouts and cache expiry. Injected so tests can
/// check delays and lockouts without waiting.
public protocol AuthClock: Sendable {
  /// Time elapsed since an arbitrary fixed origin; never goes backwards.
  func now() -> Duration
  /// Suspends until `now()` reaches `deadline`. Returns early, without error, if the task
  /// is cancelled (the reply is then moot anyway).
  func sleep(until deadline: Duration) async
}

/// The real monotonic clock.
public struct SystemAuthClock: AuthClock {
  private let origin: ContinuousClock.Instant

  public init() { origin = .now }

  public func now() -> Duration { .now - origin }

  public func sleep(until deadline: Duration) async {
    try? await Task.sleep(until: origin + deadline, clock: .continuous)
  }
}

/// A clock that moves only when told, for tests. `sleep(until:)` does not wait: it
/// records how long it would have slept and moves the clock to the deadline.
public final class ManualAuthClock: AuthClock {
  private struct State {
    var now: Duration
    var sleeps: [Duration] = []
  }
  private let state: Mutex<State>

  public init(now: Duration = .zero) { state = Mutex(State(now: now)) }

  public func now() -> Duration { state.withLock { $0.now } }

  public func sleep(until deadline: Duration) async {
    state.withLock { s in
      s.sleeps.append(max(deadline - s.now, .zero))
      s.now = max(s.now, deadline)
    }
  }

  /// Moves the clock forward.
  public func advance(by duration: Duration) {
    state.withLock { $0.now += duration }
  }

  /// Every sleep requested so far, in order.
  public var sleeps: [Duration] { state.withLock { $0.sleeps } }
}
