import Testing

@testable import DNS

@Suite struct DNSCacheTests {
  func answer(_ owner: String, ttl: UInt32, outcome: DNSAnswer.Outcome? = nil) -> DNSAnswer {
    DNSAnswer(
      question: DNSQuestion(name: name(owner), type: .a), canonicalName: name(owner),
      outcome: outcome ?? .records([rr(owner, .a([192, 0, 2, 1]), ttl: ttl)]), ttl: ttl)
  }

  func key(_ owner: String) -> DNSCache.Key {
    DNSCache.Key(name: name(owner), type: .a)
  }

  @Test func servesUntilTheTTLRunsOut() {
    var cache = DNSCache(capacity: 10)
    cache.put(answer("a.example", ttl: 60), now: .seconds(100))
    #expect(cache.get(key("A.EXAMPLE"), now: .seconds(100))?.ttl == 60)
    #expect(cache.get(key("a.example"), now: .seconds(130))?.ttl == 30)
    #expect(cache.get(key("a.example"), now: .milliseconds(159_999)) != nil)
    #expect(cache.get(key("a.example"), now: .seconds(160)) == nil)
    #expect(cache.count == 0)
    #expect(cache.get(DNSCache.Key(name: name("a.example"), type: .aaaa), now: .zero) == nil)
  }

  @Test func doesNotStoreZeroTTLs() {
    var cache = DNSCache(capacity: 10)
    cache.put(answer("a.example", ttl: 0), now: .zero)
    #expect(cache.count == 0)
  }

  @Test func staysWithinItsCapacity() {
    var cache = DNSCache(capacity: 20)
    for i in 0..<20 { cache.put(answer("h\(i).example", ttl: UInt32(100 + i)), now: .zero) }
    #expect(cache.count == 20)
    // Full: the two that expire soonest (h0, h1) make room.
    cache.put(answer("new.example", ttl: 50), now: .zero)
    #expect(cache.count == 19)
    #expect(cache.get(key("h0.example"), now: .zero) == nil)
    #expect(cache.get(key("h1.example"), now: .zero) == nil)
    #expect(cache.get(key("h2.example"), now: .zero) != nil)
    #expect(cache.get(key("new.example"), now: .zero) != nil)
    // Expired entries go first, before any live one.
    for i in 0..<20 { cache.put(answer("x\(i).example", ttl: 5), now: .zero) }
    #expect(cache.count <= 20)
    cache.put(answer("later.example", ttl: 500), now: .seconds(10))
    #expect(cache.get(key("h19.example"), now: .seconds(10)) != nil)
    #expect(cache.get(key("later.example"), now: .seconds(10)) != nil)
    #expect(cache.count <= 20)
  }
}
