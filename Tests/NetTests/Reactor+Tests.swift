import Glibc
import Testing

@testable import Net

@Suite(.timeLimit(.minutes(1))) struct ReactorTests {
  @Test func tasksPreferringTheReactorRunOnItsThreadAcrossWaits() async throws {
    try await withLoopback { reactor, listener in
      let (client, server) = try await connectedPair(reactor, listener)
      let task = Task(executorPreference: reactor.taskExecutor) { () -> [Bool] in
        var places: [Bool] = [reactor.isCurrentThread]
        for _ in 0..<3 {
          // Suspends on the reactor (nothing sent yet), resumes with the byte.
          guard let bytes = try? await server.read(max: 1), bytes.count == 1 else { return [] }
          places.append(reactor.isCurrentThread)
          // A hop elsewhere comes back to the reactor's thread too.
          await Task.detached { try? await Task.sleep(for: .milliseconds(1)) }.value
          places.append(reactor.isCurrentThread)
        }
        return places
      }
      for _ in 0..<3 {
        try await Task.sleep(for: .milliseconds(5))
        try await client.write([1])
      }
      #expect(await task.value == Array(repeating: true, count: 7))
      #expect(!reactor.isCurrentThread)
      client.close()
      server.close()
    }
  }

  @Test func acceptedConnectionsTakeTheConnectionReactorsInTurn() async throws {
    let main = try Reactor()
    let other = try Reactor()
    defer {
      main.shutdown()
      other.shutdown()
    }
    let listener = try TCPListener(
      bindingTo: SocketAddress(host: "127.0.0.1", port: 0), reactor: main,
      connectionReactors: [main, other])
    defer { listener.close() }
    var assigned: [Bool] = []
    for _ in 0..<4 {
      let (client, server) = try await connectedPair(main, listener)
      assigned.append(server.reactor === other)
      // The server side works on its own reactor.
      try await client.write([7])
      #expect(try await server.read(max: 1) == [7])
      client.close()
      server.close()
    }
    #expect(assigned == [false, true, false, true])
  }

  @Test func jobsForAReactorThatShutDownStillRun() async throws {
    let reactor = try Reactor()
    reactor.shutdown()
    let value = await Task(executorPreference: reactor.taskExecutor) { 42 }.value
    #expect(value == 42)
  }

  @Test func manyDeadlinesAllFire() async throws {
    try await withLoopback { reactor, listener in
      var pairs: [(TCPConnection, TCPConnection)] = []
      for _ in 0..<20 { pairs.append(try await connectedPair(reactor, listener)) }
      // Deadlines out of order; each read must time out, none may hang.
      await withTaskGroup { group in
        for (i, (_, server)) in pairs.enumerated() {
          let ms = (i * 7) % 20 + 1
          group.addTask {
            do {
              _ = try await server.read(max: 1, deadline: .now + .milliseconds(ms))
              return false
            } catch {
              return (error as? NetError) == .timedOut
            }
          }
        }
        var timedOut = 0
        for await ok in group where ok { timedOut += 1 }
        #expect(timedOut == 20)
      }
      #expect(reactor.waitingCount == 0)
      for (c, s) in pairs {
        c.close()
        s.close()
      }
    }
  }

  @Test func staleTimersDoNotAccumulate() async throws {
    try await withLoopback { reactor, listener in
      let (client, server) = try await connectedPair(reactor, listener)
      // An idle connection whose earlier deadline stays at the top of the heap,
      // so stale entries cannot simply be popped from the top.
      let (idleClient, idleServer) = try await connectedPair(reactor, listener)
      let idle = Task { try await idleServer.read(max: 1, deadline: .now + .seconds(1800)) }
      server.readTimeout = .seconds(3600)
      client.readTimeout = .seconds(3600)
      // Ping-pong: every read waits with a far deadline and is then resumed
      // by data, leaving a stale timer entry behind.
      for _ in 0..<200 {
        async let got = server.read(max: 1)
        let waiting = try await eventually { reactor.waitingCount == 2 }
        #expect(waiting)
        try await client.write([1])
        #expect(try await got == [1])
      }
      // Compaction keeps the heap near its 64-entry floor; without it, 201.
      #expect(reactor.timerCount <= 100)
      idleServer.close()
      #expect(try await idle.value == [])
      idleClient.close()
      client.close()
      server.close()
    }
  }

  @Test func concurrentReadersAreRefused() async throws {
    try await withLoopback { reactor, listener in
      let (client, server) = try await connectedPair(reactor, listener)
      let first = Task { try await server.read(max: 1) }
      let reached = try await eventually { reactor.waitingCount == 1 }
      #expect(reached)
      do {
        _ = try await server.read(max: 1)
        Issue.record("a second reader was allowed to wait")
      } catch NetError.concurrentWait(_, let write) {
        #expect(!write)
      }
      try await client.write([9])
      #expect(try await first.value == [9])
      client.close()
      server.close()
    }
  }

  @Test func deregisterFailsWaitersWithClosed() async throws {
    let reactor = try Reactor()
    defer { reactor.shutdown() }
    var fds: [Int32] = [0, 0]
    #expect(pipe(&fds) == 0)
    defer {
      close(fds[0])
      close(fds[1])
    }
    _ = fcntl(fds[0], F_SETFL, O_NONBLOCK)
    let readFD = fds[0]
    let waiter = Task { try await reactor.waitReadable(readFD) }
    let reached = try await eventually { reactor.waitingCount == 1 }
    #expect(reached)
    reactor.deregister(readFD)
    await #expect(throws: NetError.closed) { try await waiter.value }
    // Readiness on a pipe works as on a socket.
    let ready = Task { try await reactor.waitReadable(readFD) }
    var byte: UInt8 = 7
    #expect(write(fds[1], &byte, 1) == 1)
    try await ready.value
    reactor.deregister(readFD)
  }

  @Test func shutdownFailsWaitersAndLaterWaits() async throws {
    let reactor = try Reactor()
    var fds: [Int32] = [0, 0]
    #expect(pipe(&fds) == 0)
    defer {
      close(fds[0])
      close(fds[1])
    }
    let readFD = fds[0]
    let waiter = Task { try await reactor.waitReadable(readFD, deadline: .now + .seconds(3600)) }
    let reached = try await eventually { reactor.waitingCount == 1 }
    #expect(reached)
    reactor.shutdown()
    #expect(reactor.isShutDown)
    await #expect(throws: NetError.reactorShutDown) { try await waiter.value }
    await #expect(throws: NetError.reactorShutDown) { try await reactor.waitReadable(readFD) }
    reactor.shutdown()
  }

  @Test func pastDeadlineFailsAtOnce() async throws {
    let reactor = try Reactor()
    defer { reactor.shutdown() }
    var fds: [Int32] = [0, 0]
    #expect(pipe(&fds) == 0)
    defer {
      close(fds[0])
      close(fds[1])
    }
    await #expect(throws: NetError.timedOut) {
      try await reactor.waitReadable(fds[0], deadline: .now - .seconds(1))
    }
  }

  @Test func systemErrorText() {
    let e = SystemError(call: "connect", errno: ECONNREFUSED)
    #expect(e.message == "Connection refused")
    #expect(e.description == "connect: Connection refused (errno \(ECONNREFUSED))")
    #expect(e.isDisconnect == false)
    #expect(SystemError(call: "send", errno: EPIPE).isDisconnect)
  }
}
