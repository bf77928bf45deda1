import Lifecycle
import Log
import Synchronization
import Testing

/// A service that runs until asked to stop, optionally ignoring the request
/// (then only cancellation ends it).
private final class FakeService: Service {
  let name: String
  let stubborn: Bool
  let events: Mutex<[String]>
  private let stop = AsyncStream<Void>.makeStream()

  init(_ name: String, stubborn: Bool = false) {
    self.name = name
    self.stubborn = stubborn
    self.events = Mutex([])
  }

  func run() async throws {
    events.withLock { $0.append("run") }
    if stubborn {
      // Only cancellation ends this one.
      while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
      events.withLock { $0.append("cancelled") }
      return
    }
    for await _ in stop.stream { break }
    events.withLock { $0.append("stopped") }
  }

  func beginShutdown() async {
    events.withLock { $0.append("shutdown") }
    stop.continuation.yield()
  }

  var log: [String] { events.withLock { $0 } }
}

/// Records the order in which services are asked to stop.
private final class OrderRecorder: Sendable {
  let order = Mutex<[String]>([])
}

private final class OrderedService: Service {
  let name: String
  let recorder: OrderRecorder
  private let stop = AsyncStream<Void>.makeStream()
  init(_ name: String, _ recorder: OrderRecorder) {
    self.name = name
    self.recorder = recorder
  }
  func run() async throws { for await _ in stop.stream { break } }
  func beginShutdown() async {
    recorder.order.withLock { $0.append(name) }
    stop.continuation.yield()
  }
}

private struct Failing: Service {
  struct Boom: Error {}
  var name: String { "failing" }
  func run() async throws { throw Boom() }
  func beginShutdown() async {}
}

@Suite struct ServiceGroupTests {
  let logger = Logger(sink: .capturing(), component: "test")

  @Test func terminateStopsServicesInReverseOrder() async throws {
    let recorder = OrderRecorder()
    let services = ["a", "b", "c"].map { OrderedService($0, recorder) }
    let (signals, cont) = AsyncStream<ServerSignal>.makeStream()
    let group = ServiceGroup(services: services, gracePeriod: .seconds(30), logger: logger)
    cont.yield(.terminate(15))
    try await group.run(until: signals)
    #expect(recorder.order.withLock { $0 } == ["c", "b", "a"])
  }

  @Test func reloadIsForwardedAndServerKeepsRunning() async throws {
    let service = FakeService("s")
    let (signals, cont) = AsyncStream<ServerSignal>.makeStream()
    let reloads = Mutex(0)
    let group = ServiceGroup(services: [service], gracePeriod: .seconds(30), logger: logger)
    cont.yield(.reload)
    cont.yield(.reload)
    cont.yield(.terminate(2))
    try await group.run(until: signals) { reloads.withLock { $0 += 1 } }
    #expect(reloads.withLock { $0 } == 2)
    #expect(service.log == ["run", "shutdown", "stopped"])
  }

  @Test func stubbornServiceIsCancelledAfterGrace() async throws {
    let polite = FakeService("polite")
    let stubborn = FakeService("stubborn", stubborn: true)
    let (signals, cont) = AsyncStream<ServerSignal>.makeStream()
    let group = ServiceGroup(
      services: [polite, stubborn], gracePeriod: .milliseconds(50), logger: logger)
    cont.yield(.terminate(15))
    try await group.run(until: signals)
    #expect(polite.log.last == "stopped")
    #expect(stubborn.log.last == "cancelled")
    #expect(logger.sink.lines.contains { $0.contains("grace period over") })
  }

  @Test func failingServiceEndsTheGroupWithItsError() async throws {
    let other = FakeService("other")
    let (signals, _) = AsyncStream<ServerSignal>.makeStream()
    let group = ServiceGroup(
      services: [other, Failing()], gracePeriod: .seconds(30), logger: logger)
    await #expect(throws: Failing.Boom.self) { () async throws in
      try await group.run(until: signals)
    }
    #expect(other.log.contains("shutdown"))
  }
}
