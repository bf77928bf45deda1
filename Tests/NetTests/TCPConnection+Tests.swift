import Glibc
import Testing

@testable import Net

@Suite(.timeLimit(.minutes(1))) struct TCPConnectionTests {
  @Test func echoRoundTrip() async throws {
    try await withLoopback { reactor, listener in
      let (client, server) = try await connectedPair(reactor, listener)
      #expect(client.peer == listener.localAddress)
      #expect(server.peer == client.local)
      #expect(server.clientAddress == server.peer)
      try await client.write("hello".bytes)
      let reader = BufferedReader(server)
      #expect(try await reader.readExactly(5) == "hello".bytes)
      try client.shutdownWrite()
      #expect(try await reader.readLine(limit: 10) == .eof)
      try await server.write("bye".bytes)
      #expect(try await client.read(max: 100) == "bye".bytes)
      server.close()
      server.close()
      #expect(try await client.read(max: 100) == [])
      #expect(try await server.read(max: 100) == [])
      await #expect(throws: NetError.closed) { try await server.write("x".bytes) }
      client.close()
    }
  }

  @Test func ipv6Loopback() async throws {
    let reactor = try Reactor()
    defer { reactor.shutdown() }
    let listener: TCPListener
    do {
      listener = try TCPListener(bindingTo: SocketAddress("[::1]:0"), reactor: reactor)
    } catch {
      print("skipping IPv6 test: cannot bind [::1] (\(error))")
      return
    }
    defer { listener.close() }
    #expect(listener.localAddress.family == .ipv6)
    #expect(listener.localAddress.port != 0)
    // The same port on 127.0.0.1 is a separate socket.
    let v4 = try TCPListener(
      bindingTo: SocketAddress(host: "127.0.0.1", port: listener.localAddress.port),
      reactor: reactor)
    v4.close()
    let (client, server) = try await connectedPair(reactor, listener)
    #expect(server.peer.host == "::1")
    #expect(server.peer.isLoopback)
    try await client.write("v6".bytes)
    #expect(try await server.read(max: 10) == "v6".bytes)
    client.close()
    server.close()
  }

  @Test func readTimeoutFires() async throws {
    try await withLoopback { reactor, listener in
      let (client, server) = try await connectedPair(reactor, listener)
      server.readTimeout = .milliseconds(30)
      #expect(server.readTimeout == .milliseconds(30))
      await #expect(throws: NetError.timedOut) { try await server.read(max: 10) }
      // The connection still works after a timeout.
      try await client.write("late".bytes)
      #expect(try await server.read(max: 10) == "late".bytes)
      // A deadline given to one read applies too.
      server.readTimeout = nil
      let reader = BufferedReader(server)
      await #expect(throws: NetError.timedOut) {
        try await reader.readLine(limit: 10, deadline: .now + .milliseconds(20))
      }
      client.close()
      server.close()
    }
  }

  @Test func cancellingPendingAcceptThrowsCancellationError() async throws {
    try await withLoopback { reactor, listener in
      let task = Task { try await listener.accept() }
      let reached = try await eventually { reactor.waitingCount == 1 }
      #expect(reached)
      task.cancel()
      await #expect(throws: CancellationError.self) { try await task.value }
      #expect(reactor.waitingCount == 0)
      // Cancelled before it starts waiting: same result.
      let early = Task {
        withUnsafeCurrentTask { $0?.cancel() }
        return try await listener.accept()
      }
      await #expect(throws: CancellationError.self) { try await early.value }
    }
  }

  @Test func closingListenerEndsAccept() async throws {
    try await withLoopback { reactor, listener in
      let task = Task { try await listener.accept() }
      let reached = try await eventually { reactor.waitingCount == 1 }
      #expect(reached)
      listener.close()
      await #expect(throws: NetError.closed) { try await task.value }
      await #expect(throws: NetError.closed) { try await listener.accept() }
    }
  }

  @Test func closeWakesAPendingRead() async throws {
    try await withLoopback { reactor, listener in
      let (client, server) = try await connectedPair(reactor, listener)
      let read = Task { try await server.read(max: 10) }
      let reached = try await eventually { reactor.waitingCount == 1 }
      #expect(reached)
      server.close()
      #expect(try await read.value == [])
      client.close()
    }
  }

  @Test func peerResetMidWriteIsAnError() async throws {
    try await withLoopback { reactor, listener in
      let (client, server) = try await connectedPair(reactor, listener)
      let big = [UInt8](repeating: 1, count: 8 << 20)
      let write = Task { try await server.write(big) }
      let reached = try await eventually { reactor.waitingCount == 1 }  // blocked on EPOLLOUT
      #expect(reached)
      client.abort()
      do {
        try await write.value
        Issue.record("write to a reset peer succeeded")
      } catch let e as SystemError {
        #expect(e.isDisconnect, "\(e)")
      }
      server.close()
    }
  }

  @Test func eightMiBToASlowReader() async throws {
    try await withLoopback { reactor, listener in
      let (client, server) = try await connectedPair(reactor, listener)
      // Small enough that 8 MiB cannot sit in kernel buffers. (Much smaller
      // buffers make loopback TCP crawl on zero-window probes.)
      try client.setReceiveBufferSize(65536)
      let data = pattern(8 << 20)
      let write = Task { try await server.write(data) }
      // The writer must end up waiting for EPOLLOUT before the reader starts.
      let reached = try await eventually { reactor.waitingCount == 1 }
      #expect(reached)
      // Small reads with a pause now and then keep the writer cycling through
      // EAGAIN and EPOLLOUT.
      let reader = BufferedReader(client, chunkSize: 4096)
      var received = 0
      var intact = true
      var chunks = 0
      try await reader.readExactly(data.count) { chunk in
        if !sameBytes(chunk, data, at: received) { intact = false }
        received += chunk.count
        chunks += 1
        if chunks % 256 == 0 { try await Task.sleep(for: .milliseconds(1)) }
      }
      try await write.value
      #expect(received == data.count)
      #expect(intact)
      server.close()
      #expect(try await client.read(max: 10) == [])
      client.close()
    }
  }

  @Test func writeTimeoutWhenPeerDoesNotRead() async throws {
    try await withLoopback { reactor, listener in
      let (client, server) = try await connectedPair(reactor, listener)
      server.writeTimeout = .milliseconds(50)
      await #expect(throws: NetError.timedOut) {
        try await server.write([UInt8](repeating: 0, count: 32 << 20))
      }
      client.close()
      server.close()
    }
  }

  @Test func connectRefused() async throws {
    let reactor = try Reactor()
    defer { reactor.shutdown() }
    let listener = try TCPListener(bindingTo: SocketAddress("127.0.0.1:0"), reactor: reactor)
    let address = listener.localAddress
    listener.close()
    do {
      _ = try await TCPConnection.connect(to: address, reactor: reactor, timeout: .seconds(5))
      Issue.record("connected to a closed port")
    } catch let e as SystemError {
      #expect(e.errno == ECONNREFUSED)
      #expect(e.call == "connect")
      #expect(e.description.contains("refused"), "\(e)")
    }
  }

  @Test func bindConflictIsASystemError() async throws {
    try await withLoopback { reactor, listener in
      #expect(throws: SystemError(call: "bind", errno: EADDRINUSE)) {
        try TCPListener(bindingTo: listener.localAddress, reactor: reactor)
      }
    }
  }

  @Test func unreadAndProxyAddresses() async throws {
    try await withLoopback { reactor, listener in
      let (client, server) = try await connectedPair(reactor, listener)
      server.unread("abc".bytes)
      server.unread("xy".bytes)
      #expect(try await server.read(max: 3) == "xya".bytes)
      #expect(try await server.read(max: 10) == "bc".bytes)
      let header = ProxyHeader(
        version: 1, source: try SocketAddress("192.0.2.1:5"),
        destination: try SocketAddress("192.0.2.2:25"))
      server.applyProxyHeader(header)
      #expect(server.clientAddress.description == "192.0.2.1:5")
      #expect(server.serverAddress.description == "192.0.2.2:25")
      #expect(server.peer.isLoopback)
      client.close()
      server.close()
    }
  }
}
