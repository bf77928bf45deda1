import Glibc
import Log
import Synchronization
import Testing

@testable import Net

@Suite(.timeLimit(.minutes(1))) struct TCPServerTests {
  /// An echo handler over `BufferedReader`: the shape of a protocol session.
  static let echo: @Sendable (TCPConnection) async -> Void = { conn in
    let reader = BufferedReader(conn)
    while case .line(let line, _) = try? await reader.readLine(limit: 1000) {
      do { try await conn.write(line + [13, 10]) } catch { return }
    }
  }

  @Test func echoWithSeveralHundredConcurrentClients() async throws {
    _ = try ProcessSetup.raiseFileLimit()
    try await withLoopback { reactor, listener in
      let server = TCPServer(listener: listener, logger: quietLogger(), handler: Self.echo)
      let running = Task { await server.run() }
      let clients = 400
      let ok = try await withThrowingTaskGroup(of: Bool.self) { group in
        for i in 0..<clients {
          group.addTask {
            let c = try await TCPConnection.connect(
              to: listener.localAddress, reactor: reactor, timeout: .seconds(20))
            defer { c.close() }
            c.readTimeout = .seconds(20)
            let reader = BufferedReader(c)
            for j in 0..<5 {
              let message = "client \(i) line \(j)".bytes
              try await c.write(message + [13, 10])
              guard try await reader.readLine(limit: 100) == .line(message, bareLF: false) else {
                return false
              }
            }
            return true
          }
        }
        var ok = 0
        for try await success in group where success { ok += 1 }
        return ok
      }
      #expect(ok == clients)
      server.stop()
      await running.value
      #expect(server.activeConnections == 0)
    }
  }

  @Test func overTheLimitIsRejectedThenClosed() async throws {
    try await withLoopback { reactor, listener in
      let limiter = ConnectionLimiter(maxTotal: 10, maxPerIP: 1)
      let server = TCPServer(
        listener: listener, limiter: limiter, logger: quietLogger(),
        reject: { conn in try? await conn.write("421 too busy\r\n".bytes) },
        handler: { conn in
          try? await conn.write("220 hello\r\n".bytes)
          await TCPServer.holdOpen(conn)
        })
      let running = Task { await server.run() }
      let first = try await TCPConnection.connect(to: listener.localAddress, reactor: reactor)
      let r1 = BufferedReader(first)
      #expect(try await r1.readLine(limit: 100) == .line("220 hello".bytes, bareLF: false))
      #expect(limiter.total == 1)
      let second = try await TCPConnection.connect(to: listener.localAddress, reactor: reactor)
      let r2 = BufferedReader(second)
      #expect(try await r2.readLine(limit: 100) == .line("421 too busy".bytes, bareLF: false))
      #expect(try await r2.readLine(limit: 100) == .eof)
      second.close()
      first.close()
      let released = try await eventually { limiter.total == 0 }
      #expect(released)
      server.stop()
      await running.value
    }
  }

  @Test func stopEndsAcceptingButLetsSessionsFinish() async throws {
    try await withLoopback { reactor, listener in
      let server = TCPServer(listener: listener, logger: quietLogger(), handler: Self.echo)
      let running = Task { await server.run() }
      let client = try await TCPConnection.connect(to: listener.localAddress, reactor: reactor)
      let reader = BufferedReader(client)
      try await client.write("one\r\n".bytes)
      #expect(try await reader.readLine(limit: 100) == .line("one".bytes, bareLF: false))
      server.stop()
      await #expect(throws: SystemError.self) {
        _ = try await TCPConnection.connect(to: listener.localAddress, reactor: reactor)
      }
      // The running session still answers.
      try await client.write("two\r\n".bytes)
      #expect(try await reader.readLine(limit: 100) == .line("two".bytes, bareLF: false))
      #expect(server.activeConnections == 1)
      client.close()
      await running.value
      #expect(server.activeConnections == 0)
    }
  }

  @Test func cancellationEndsSessionsWhichCanSayGoodbye() async throws {
    try await withLoopback { reactor, listener in
      let server = TCPServer(listener: listener, logger: quietLogger()) { conn in
        let reader = BufferedReader(conn)
        do {
          _ = try await reader.readLine(limit: 100)
        } catch is CancellationError {
          try? await conn.write("421 shutting down\r\n".bytes)
        } catch {}
      }
      let running = Task { await server.run() }
      let client = try await TCPConnection.connect(to: listener.localAddress, reactor: reactor)
      let waiting = try await eventually {
        server.activeConnections == 1 && reactor.waitingCount == 2
      }
      #expect(waiting)  // accept and the session's read
      server.stop()
      running.cancel()
      await running.value
      let reader = BufferedReader(client)
      #expect(
        try await reader.readLine(limit: 100) == .line("421 shutting down".bytes, bareLF: false))
      #expect(try await reader.readLine(limit: 100) == .eof)
      client.close()
    }
  }

  @Test func proxyHeaderFromTrustedPeer() async throws {
    try await withLoopback { reactor, listener in
      let limiter = ConnectionLimiter(maxTotal: 10, maxPerIP: 10)
      let seen = Mutex<[String]>([])
      let server = TCPServer(
        listener: listener, limiter: limiter,
        proxy: .init(headerTimeout: .seconds(5)) { $0.isLoopback }, logger: quietLogger()
      ) { conn in
        let reader = BufferedReader(conn)
        if case .line(let l, _) = try? await reader.readLine(limit: 100) {
          seen.withLock { $0.append("\(conn.clientAddress) \(String(decoding: l, as: UTF8.self))") }
          #expect(limiter.count(ip: conn.clientAddress.bytes) == 1)
          try? await conn.write("ok\r\n".bytes)
        }
      }
      let running = Task { await server.run() }
      let good = try await TCPConnection.connect(to: listener.localAddress, reactor: reactor)
      try await good.write("PROXY TCP4 192.0.2.1 198.51.100.7 56068 25\r\nEHLO x\r\n".bytes)
      #expect(
        try await BufferedReader(good).readLine(limit: 100) == .line("ok".bytes, bareLF: false))
      #expect(seen.withLock { $0 } == ["192.0.2.1:56068 EHLO x"])
      good.close()

      let bad = try await TCPConnection.connect(to: listener.localAddress, reactor: reactor)
      try await bad.write("EHLO spoof\r\n".bytes)
      #expect(try await bad.read(max: 100) == [])  // closed without a session
      bad.close()
      server.stop()
      await running.value
      #expect(seen.withLock { $0.count } == 1)
    }
  }
}
