import Synchronization
import Testing

@testable import Delivery

/// Slots held now and the most ever held, per key.
final class Occupancy: Sendable {
  private let state = Mutex((active: [String: Int](), peakTotal: 0, peak: [String: Int]()))

  func enter(_ key: String) {
    state.withLock { s in
      s.active[key, default: 0] += 1
      s.peakTotal = max(s.peakTotal, s.active.values.reduce(0, +))
      s.peak[key] = max(s.peak[key] ?? 0, s.active[key]!)
    }
  }

  func leave(_ key: String) { state.withLock { $0.active[key]! -= 1 } }

  var peaks: (total: Int, perKey: [String: Int]) {
    state.withLock { ($0.peakTotal, $0.peak) }
  }
}

@Suite struct ConcurrencyLimiterTests {
  @Test func perDestinationAndTotalLimitsHold() async throws {
    let limiter = ConcurrencyLimiter(total: 3, perDestination: 2)
    let occupancy = Occupancy()
    let keys = (0..<24).map { ["a", "b", "c"][$0 % 3] }
    try await withThrowingTaskGroup(of: Void.self) { group in
      for key in keys {
        group.addTask {
          try await limiter.acquire(key)
          occupancy.enter(key)
          await Task.yield()
          occupancy.leave(key)
          limiter.release(key)
        }
      }
      try await group.waitForAll()
    }
    let p = occupancy.peaks
    #expect(p.total <= 3)
    #expect(p.perKey.values.allSatisfy { $0 <= 2 })
    #expect(limiter.running == 0)
  }

  @Test func aWaiterForAFullDestinationDoesNotBlockOthers() async throws {
    let limiter = ConcurrencyLimiter(total: 2, perDestination: 1)
    try await limiter.acquire("a")
    // A second "a" must wait; "b" must still get the remaining slot.
    let second = Task { try await limiter.acquire("a") }
    try await limiter.acquire("b")
    #expect(limiter.running == 2)
    limiter.release("b")
    limiter.release("a")
    try await second.value
    #expect(limiter.running == 1)
    limiter.release("a")
    #expect(limiter.running == 0)
  }

  @Test func cancellingAWaiterFreesNothingItDidNotTake() async throws {
    let limiter = ConcurrencyLimiter(total: 1, perDestination: 1)
    try await limiter.acquire("a")
    let waiter = Task { try await limiter.acquire("b") }
    waiter.cancel()
    await #expect(throws: CancellationError.self) { try await waiter.value }
    #expect(limiter.running == 1)
    limiter.release("a")
    #expect(limiter.running == 0)
  }
}

@Suite struct WakeSignalTests {
  @Test func aSignalBeforeTheWaitIsKept() async {
    let signal = WakeSignal()
    signal.signal()
    signal.signal()  // coalesced
    #expect(await signal.wait(timeout: .seconds(60)))
    #expect(!(await signal.wait(timeout: .milliseconds(1))))
  }

  @Test func aSignalEndsAWait() async {
    let signal = WakeSignal()
    async let woken = signal.wait(timeout: .seconds(60))
    // Keep signalling until the waiter has taken one (it may not be waiting yet).
    let pump = Task {
      while !Task.isCancelled {
        signal.signal()
        try? await Task.sleep(for: .milliseconds(5))
      }
    }
    #expect(await woken)
    pump.cancel()
  }
}
