import Glibc
import Log
import Net

/// A logger whose lines are kept in memory.
func quietLogger() -> Logger {
  Logger(sink: LogSink.capturing(level: .warning), component: "test")
}

/// Runs `body` with a fresh reactor and a listener on 127.0.0.1, port 0.
@discardableResult
func withLoopback<T>(
  _ host: String = "127.0.0.1", _ body: (Reactor, TCPListener) async throws -> T
) async throws -> T {
  let reactor = try Reactor()
  defer { reactor.shutdown() }
  let listener = try TCPListener(bindingTo: SocketAddress(host: host, port: 0), reactor: reactor)
  defer { listener.close() }
  return try await body(reactor, listener)
}

/// A connected client/server pair over loopback.
func connectedPair(_ reactor: Reactor, _ listener: TCPListener) async throws -> (
  client: TCPConnection, server: TCPConnection
) {
  async let server = listener.accept()
  let client = try await TCPConnection.connect(
    to: listener.localAddress, reactor: reactor, timeout: .seconds(10))
  return (client, try await server)
}

/// Polls `condition` (every few ms, at most ~10 s) until it holds; for waiting
/// on another task to reach a state, never for timing assertions.
func eventually(_ condition: () -> Bool) async throws -> Bool {
  for i in 0..<2100 {
    if condition() { return true }
    if i < 100 {
      await Task.yield()
    } else {
      try await Task.sleep(for: .milliseconds(5))
    }
  }
  return condition()
}

/// A deterministic byte pattern for integrity checks: a block of prime
/// length repeated, so a lost, doubled or reordered chunk shows.
func pattern(_ count: Int) -> [UInt8] {
  let block = (0..<65521).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
  var out: [UInt8] = []
  out.reserveCapacity(count + block.count)
  while out.count < count { out += block }
  return Array(out[..<count])
}

/// Whether `chunk` equals `data` at `offset` (memcmp; debug builds are slow
/// at element-wise comparison of megabytes).
func sameBytes(_ chunk: [UInt8], _ data: [UInt8], at offset: Int) -> Bool {
  guard offset + chunk.count <= data.count else { return false }
  return chunk.withUnsafeBytes { a in
    data.withUnsafeBytes { b in memcmp(a.baseAddress!, b.baseAddress! + offset, a.count) == 0 }
  }
}
