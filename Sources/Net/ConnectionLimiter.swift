import Synchronization

/// Caps concurrent connections in total and per client IP address.
///
/// `acquire` hands out a `Ticket` that holds one slot until it is released,
/// explicitly or when the ticket is dropped. IPv4-mapped IPv6 addresses count
/// as their IPv4 address. Limits can change at run time (configuration
/// reload); connections already admitted are not affected.
public final class ConnectionLimiter: Sendable {
  /// The two caps.
  public struct Limits: Sendable, Equatable {
    /// Connections admitted at once, from everyone.
    public var total: Int
    /// Connections admitted at once from one IP address.
    public var perIP: Int

    /// Both caps.
    public init(total: Int, perIP: Int) {
      self.total = total
      self.perIP = perIP
    }
  }

  private struct State {
    var limits: Limits
    var total = 0
    var perIP: [[UInt8]: Int] = [:]
  }

  private let state: Mutex<State>

  /// A limiter admitting `maxTotal` connections, at most `maxPerIP` per address.
  public init(maxTotal: Int, maxPerIP: Int) {
    state = Mutex(State(limits: Limits(total: maxTotal, perIP: maxPerIP)))
  }

  /// The current limits; assign to change them.
  public var limits: Limits {
    get { state.withLock { $0.limits } }
    set { state.withLock { $0.limits = newValue } }
  }

  /// Takes a slot for `ip` (4 or 16 bytes), or returns nil when either
  /// limit is reached.
  public func acquire(ip: [UInt8]) -> Ticket? {
    let key = Self.key(ip)
    let ok = state.withLock { s in
      let mine = s.perIP[key, default: 0]
      guard s.total < s.limits.total, mine < s.limits.perIP else { return false }
      s.total += 1
      s.perIP[key] = mine + 1
      return true
    }
    return ok ? Ticket(limiter: self, key: key) : nil
  }

  /// Takes a slot for `address`'s IP; see `acquire(ip:)`.
  public func acquire(_ address: SocketAddress) -> Ticket? {
    acquire(ip: address.bytes)
  }

  /// Connections currently admitted.
  public var total: Int { state.withLock { $0.total } }

  /// Connections currently admitted from `ip`.
  public func count(ip: [UInt8]) -> Int {
    let key = Self.key(ip)
    return state.withLock { $0.perIP[key, default: 0] }
  }

  /// How many distinct IPs hold slots (entries are removed at zero).
  public var trackedIPs: Int { state.withLock { $0.perIP.count } }

  fileprivate func release(_ key: [UInt8]) {
    state.withLock { s in
      s.total -= 1
      let left = s.perIP[key, default: 1] - 1
      s.perIP[key] = left > 0 ? left : nil
    }
  }

  private static func key(_ ip: [UInt8]) -> [UInt8] {
    if ip.count == 16, ip[0..<10].allSatisfy({ $0 == 0 }), ip[10] == 0xff, ip[11] == 0xff {
      return Array(ip[12...])
    }
    return ip
  }

  /// One admitted connection's slot. Released once: by `release()` or when
  /// the ticket is deallocated, whichever comes first.
  public final class Ticket: Sendable {
    private let limiter: ConnectionLimiter
    private let key: [UInt8]
    private let released = Atomic(false)

    fileprivate init(limiter: ConnectionLimiter, key: [UInt8]) {
      self.limiter = limiter
      self.key = key
    }

    deinit { release() }

    /// Gives the slot back; later calls do nothing.
    public func release() {
      if !released.exchange(true, ordering: .acquiringAndReleasing) {
        limiter.release(key)
      }
    }
  }
}
