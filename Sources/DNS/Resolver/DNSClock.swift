import Synchronization

/// Monotonic time for cache expiry, injected so tests can age the cache
/// without waiting. (Network timeouts use the reactor's real clock.)
public protocol DNSClock: Sendable {
  /// Time elapsed since an arbitrary fixed origin; never goes backwards.
  func now() -> Duration
}

/// The real monotonic clock.
public struct SystemDNSClock: DNSClock {
  private let origin: ContinuousClock.Instant

  public init() { origin = .now }

  public func now() -> Duration { .now - origin }
}

/// A clock that moves only when told, for tests.
public final class ManualDNSClock: DNSClock {
  private let current: Mutex<Duration>

  public init(now: Duration = .zero) { current = Mutex(now) }

  public func now() -> Duration { current.withLock { $0 } }

  /// Moves the clock forward.
  public func advance(by duration: Duration) {
    current.withLock { $0 += duration }
  }
}
