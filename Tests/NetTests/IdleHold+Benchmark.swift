import Glibc
import Log
import Net
import Testing

/// Not a test: a listener that holds connections open for
/// `bench/idle_conns_net.py`, which measures server memory per idle
/// connection. Runs only when NET_IDLE_HOLD is set (to a port, or 0 for any).
///
/// Each connection runs what a protocol session does while idle: a
/// `BufferedReader` waiting in `readLine` with an idle timeout.
@Test(.enabled(if: getenv("NET_IDLE_HOLD") != nil))
func idleHoldServer() async throws {
  let port = UInt16(String(cString: getenv("NET_IDLE_HOLD"))) ?? 0
  _ = try ProcessSetup.raiseFileLimit()
  ProcessSetup.ignoreSIGPIPE()
  let reactor = try Reactor()
  defer { reactor.shutdown() }
  let listener = try TCPListener(
    bindingTo: SocketAddress(host: "127.0.0.1", port: port), reactor: reactor)
  let limiter = ConnectionLimiter(maxTotal: 100_000, maxPerIP: 100_000)
  let logger = Logger(sink: LogSink(level: .warning), component: "hold")
  let server = TCPServer(listener: listener, limiter: limiter, logger: logger) { conn in
    conn.readTimeout = .seconds(600)
    let reader = BufferedReader(conn)
    while case .line(let l, _) = try? await reader.readLine(limit: 512) {
      if l == Array("STOP-HOLD".utf8) { listener.close() }
    }
  }
  // One line on stderr, written at once, for the script to find the port.
  let line = "idle-hold listening on \(listener.localAddress) pid \(getpid())\n"
  _ = line.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
  let seconds = getenv("NET_IDLE_HOLD_SECONDS").flatMap { Int(String(cString: $0)) } ?? 300
  // Stops on a STOP-HOLD line from the script, or when time runs out.
  let timeout = Task {
    try? await Task.sleep(for: .seconds(seconds))
    listener.close()
  }
  await server.run()
  timeout.cancel()
}
