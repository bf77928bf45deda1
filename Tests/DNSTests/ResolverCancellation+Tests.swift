import Synchronization
import Testing

@testable import DNS

/// A caller cancelled while it waits for a query another caller started leaves at once;
/// the query itself goes on for the others. No sockets, and no timing: the transport holds
/// the query until the test opens the gate, so "at once" means "before the query ends".
@Suite struct ResolverCancellationTests {
  /// A transport holding every query until `gate` opens, then answering 192.0.2.1.
  static func heldTransport(_ gate: Gate) -> ScriptedTransport {
    ScriptedTransport { query, _, _ in
      await gate.wait()
      return [.message(reply(to: query, answers: [rr("mx.example", .a([192, 0, 2, 1]))]))]
    }
  }

  /// Opens a gate after a long while, so a resolver that ignores cancellation makes the
  /// test fail (the watchdog fired first) instead of hanging it.
  final class Watchdog: Sendable {
    private let flag = Flag()
    private let task: Task<Void, Never>

    final class Flag: Sendable {
      let value = Atomic(false)
    }

    init(opening gate: Gate) {
      let flag = flag
      task = Task {
        try? await Task.sleep(for: .seconds(30))
        guard !Task.isCancelled else { return }
        flag.value.store(true, ordering: .sequentiallyConsistent)
        gate.open()
      }
    }

    var hasFired: Bool { flag.value.load(ordering: .sequentiallyConsistent) }

    func stop() { task.cancel() }
  }

  static func waitUntil(_ condition: () -> Bool) async {
    while !condition() { await Task.yield() }
  }

  static func lookup(_ resolver: Resolver) async -> Result<[IPAddress], DNSError> {
    do throws(DNSError) {
      return .success(try await resolver.a("mx.example"))
    } catch {
      return .failure(error)
    }
  }

  @Test func cancelledJoinerLeavesWhileTheQueryGoesOn() async throws {
    let gate = Gate()
    let dog = Watchdog(opening: gate)
    defer { dog.stop() }
    let transport = Self.heldTransport(gate)
    let resolver = scriptedResolver(transport)
    let starter = Task { await Self.lookup(resolver) }
    await Self.waitUntil { !transport.queries.isEmpty }
    let joiner = Task { await Self.lookup(resolver) }
    await Self.waitUntil { resolver.waiting(for: name("mx.example"), type: .a) == 2 }

    joiner.cancel()
    #expect(await joiner.value == .failure(.cancelled))
    #expect(!dog.hasFired, "the joiner waited for the query")
    #expect(resolver.waiting(for: name("mx.example"), type: .a) == 1)

    gate.open()
    #expect(await starter.value == .success([ip("192.0.2.1")]))
    #expect(transport.queries.count == 1)
    #expect(resolver.waiting(for: name("mx.example"), type: .a) == 0)
  }

  @Test func cancelledStarterLeavesAndTheOthersGetTheAnswer() async throws {
    let gate = Gate()
    let dog = Watchdog(opening: gate)
    defer { dog.stop() }
    let transport = Self.heldTransport(gate)
    let resolver = scriptedResolver(transport)
    let starter = Task { await Self.lookup(resolver) }
    await Self.waitUntil { !transport.queries.isEmpty }
    let joiners = (0..<3).map { _ in Task { await Self.lookup(resolver) } }
    await Self.waitUntil { resolver.waiting(for: name("mx.example"), type: .a) == 4 }

    starter.cancel()
    #expect(await starter.value == .failure(.cancelled))
    #expect(!dog.hasFired, "the starter waited for the query")

    gate.open()
    for joiner in joiners { #expect(await joiner.value == .success([ip("192.0.2.1")])) }
    // The answer the cancelled starter asked for is cached for the next caller.
    #expect(try await resolver.a("mx.example") == [ip("192.0.2.1")])
    #expect(transport.queries.count == 1)
  }

  @Test func everyWaiterCancelledStillCachesTheAnswer() async throws {
    let gate = Gate()
    let dog = Watchdog(opening: gate)
    defer { dog.stop() }
    let transport = Self.heldTransport(gate)
    let resolver = scriptedResolver(transport)
    let waiters = (0..<2).map { _ in Task { await Self.lookup(resolver) } }
    await Self.waitUntil { resolver.waiting(for: name("mx.example"), type: .a) == 2 }
    for waiter in waiters { waiter.cancel() }
    for waiter in waiters { #expect(await waiter.value == .failure(.cancelled)) }
    #expect(!dog.hasFired)

    gate.open()
    await Self.waitUntil { resolver.cachedCount == 1 }
    #expect(try await resolver.a("mx.example") == [ip("192.0.2.1")])
    #expect(transport.queries.count == 1)
  }

  @Test func alreadyCancelledCallerStartsNoQuery() async {
    let transport = Self.heldTransport(Gate())
    let resolver = scriptedResolver(transport)
    let task = Task {
      withUnsafeCurrentTask { $0?.cancel() }
      return await Self.lookup(resolver)
    }
    #expect(await task.value == .failure(.cancelled))
    #expect(transport.queries.isEmpty)
    #expect(resolver.waiting(for: name("mx.example"), type: .a) == 0)
  }
}
