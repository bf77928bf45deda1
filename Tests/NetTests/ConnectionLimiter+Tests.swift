import Net
import Testing

@Suite struct ConnectionLimiterTests {
  let a: [UInt8] = [127, 0, 0, 1]
  let b: [UInt8] = [127, 0, 0, 2]

  @Test func perIPLimit() {
    let limiter = ConnectionLimiter(maxTotal: 10, maxPerIP: 2)
    let t1 = limiter.acquire(ip: a)
    let t2 = limiter.acquire(ip: a)
    #expect(t1 != nil && t2 != nil)
    #expect(limiter.acquire(ip: a) == nil)
    #expect(limiter.count(ip: a) == 2)
    let t3 = limiter.acquire(ip: b)
    #expect(t3 != nil)
    #expect(limiter.total == 3)
    t1?.release()
    #expect(limiter.count(ip: a) == 1)
    #expect(limiter.acquire(ip: a) != nil)  // dropped at once: released again
    #expect(limiter.count(ip: a) == 1)
    _ = (t2, t3)
  }

  @Test func totalLimit() {
    let limiter = ConnectionLimiter(maxTotal: 2, maxPerIP: 100)
    let t1 = limiter.acquire(ip: a)
    let t2 = limiter.acquire(ip: b)
    #expect(limiter.acquire(ip: [127, 0, 0, 3]) == nil)
    #expect(limiter.total == 2)
    withExtendedLifetime((t1, t2)) {}
  }

  @Test func dropReleasesOnceAndExplicitReleaseIsIdempotent() {
    let limiter = ConnectionLimiter(maxTotal: 5, maxPerIP: 5)
    do {
      let t = limiter.acquire(ip: a)
      #expect(limiter.total == 1)
      t?.release()
      t?.release()
      #expect(limiter.total == 0)
    }
    #expect(limiter.total == 0)
    #expect(limiter.count(ip: a) == 0)
    #expect(limiter.trackedIPs == 0)
    do {
      _ = limiter.acquire(ip: a).map { [$0] }
    }
    #expect(limiter.total == 0)
  }

  @Test func mappedIPv4CountsAsIPv4() throws {
    let limiter = ConnectionLimiter(maxTotal: 5, maxPerIP: 1)
    let mapped = try SocketAddress("[::ffff:127.0.0.1]:25")
    let t = limiter.acquire(mapped)
    #expect(t != nil)
    #expect(limiter.count(ip: a) == 1)
    #expect(limiter.acquire(ip: a) == nil)
    withExtendedLifetime(t) {}
  }

  @Test func limitsChangeAtRunTime() {
    let limiter = ConnectionLimiter(maxTotal: 1, maxPerIP: 1)
    let t = limiter.acquire(ip: a)
    #expect(limiter.acquire(ip: b) == nil)
    limiter.limits = .init(total: 3, perIP: 1)
    let u = limiter.acquire(ip: b)
    #expect(u != nil)
    #expect(limiter.limits == .init(total: 3, perIP: 1))
    withExtendedLifetime((t, u)) {}
  }
}
