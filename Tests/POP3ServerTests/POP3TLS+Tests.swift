import Log
import Net
import POP3Core
import PostaTestSupport
import TLS
import Testing

@testable import POP3Server

/// STLS and pop3s, in memory and over loopback sockets.
@Suite struct POP3TLSTests {
  @Test func stlsUpgradesAndDropsPipelinedPlaintext() async throws {
    try await POP3Fixture.with(tls: true) { f in
      let alice = try await f.addUser("alice")
      try await f.deliver(Sample.plain, to: alice)
      let (c, _) = try await f.open(from: POP3Fixture.remote)
      // CAPA pipelined after STLS was sent in plaintext: it must not run (RFC 2595 §4).
      try await c.sendRaw("STLS\r\nCAPA\r\n")
      #expect(try await c.line() == "+OK begin TLS negotiation")
      let tls = try await TLSStream.connect(
        over: c.stream, context: try TLSContext.client(verifyPeer: false),
        serverName: "localhost")
      c.replace(stream: tls)
      let capa = try await c.multiLine("CAPA").lines
      #expect(capa.contains("USER"))
      #expect(!capa.contains("STLS"))
      #expect(capa.contains("SASL SCRAM-SHA-256 PLAIN LOGIN"))
      #expect(try await c.command("STLS").hasPrefix("-ERR"))
      try await c.login("alice@example.test", "secret")
      #expect(try await c.retrieve("RETR 1").message == Sample.retrieved(Sample.plain))
      #expect(try await c.command("QUIT").hasPrefix("+OK"))
    }
  }

  @Test func implicitTLSInMemory() async throws {
    try await POP3Fixture.with(tls: true) { f in
      try await f.addUser("alice")
      let (c, session, _) = f.connect(from: POP3Fixture.remote, implicitTLS: true)
      let tls = try await TLSStream.connect(
        over: c.stream, context: try TLSContext.client(verifyPeer: false),
        serverName: "localhost")
      c.replace(stream: tls)
      #expect(try await c.line().hasPrefix("+OK pop.example.test "))
      #expect(!(try await c.multiLine("CAPA").lines.contains("STLS")))
      try await c.login("alice@example.test", "secret")
      #expect(try await c.command("QUIT").hasPrefix("+OK"))
      await session.value
    }
  }

  @Test func pop3sGreetsWithTheSNINameOnlyWhenItIsOurs() async throws {
    var settings = POP3Settings(hostName: "pop.example.test")
    settings.hostNames = ["pop3.example.org"]
    try await POP3Fixture.with(settings: settings, tls: true) { f in
      for (sni, greeted) in [
        ("POP3.example.org", "pop3.example.org"), ("evil.example", "pop.example.test"),
        ("localhost", "pop.example.test"),
      ] {
        let (c, session, _) = f.connect(from: POP3Fixture.remote, implicitTLS: true)
        let tls = try await TLSStream.connect(
          over: c.stream, context: try TLSContext.client(verifyPeer: false), serverName: sni)
        c.replace(stream: tls)
        #expect(try await c.line() == "+OK \(greeted) Posta POP3 server ready", "SNI \(sni)")
        #expect(try await c.command("QUIT").hasPrefix("+OK"))
        await session.value
      }
    }
  }

  /// Real sockets: a `TCPServer` on 127.0.0.1 serving plain POP3 (STLS) and pop3s, with
  /// loopback not counted as secure so plaintext logins need TLS, and a short idle timeout.
  @Test func loopbackListenersWithSTLSAndImplicitTLS() async throws {
    var settings = POP3Settings(hostName: "pop.example.test")
    settings.loopbackIsSecure = false
    // Long enough that a loaded CI machine never trips it between two commands.
    settings.idleTimeout = .seconds(3)
    try await POP3Fixture.with(settings: settings, tls: true) { f in
      let alice = try await f.addUser("alice")
      try await f.deliver(Sample.dotted, to: alice)
      let reactor = try Reactor()
      defer { reactor.shutdown() }
      let any = try SocketAddress(host: "127.0.0.1", port: 0)
      let logger = f.sink.logger
      let service = f.service
      let plain = TCPServer(
        listener: try TCPListener(bindingTo: any, reactor: reactor), logger: logger
      ) { await service.serve($0, implicitTLS: false) }
      let implicit = TCPServer(
        listener: try TCPListener(bindingTo: any, reactor: reactor), logger: logger
      ) { await service.serve($0, implicitTLS: true) }
      let full = TCPServer(
        listener: try TCPListener(bindingTo: any, reactor: reactor),
        limiter: ConnectionLimiter(maxTotal: 0, maxPerIP: 0), logger: logger,
        reject: { await service.reject($0) }
      ) { await service.serve($0, implicitTLS: false) }
      let servers = Task {
        await withDiscardingTaskGroup { group in
          group.addTask { await plain.run() }
          group.addTask { await implicit.run() }
          group.addTask { await full.run() }
        }
      }
      defer { servers.cancel() }
      let clientContext = try TLSContext.client(verifyPeer: false)

      // pop3 with STLS.
      let conn = try await TCPConnection.connect(
        to: plain.listener.localAddress, reactor: reactor, timeout: .seconds(10))
      let c = POP3TestClient(conn)
      #expect(try await c.line().hasPrefix("+OK "))
      #expect(try await c.command("USER alice@example.test").hasPrefix("-ERR [AUTH] "))
      #expect(try await c.command("STLS") == "+OK begin TLS negotiation")
      c.replace(
        stream: try await TLSStream.connect(
          over: conn, context: clientContext, serverName: "localhost"))
      try await c.login("alice@example.test", "secret")
      #expect(try await c.retrieve("RETR 1").message == Sample.retrieved(Sample.dotted))
      #expect(try await c.command("QUIT").hasPrefix("+OK"))
      #expect(try await c.atEOF())

      // pop3s; then the idle timeout ends the session with -ERR and frees the maildrop.
      let secure = try await TCPConnection.connect(
        to: implicit.listener.localAddress, reactor: reactor, timeout: .seconds(10))
      let s = POP3TestClient(
        try await TLSStream.connect(over: secure, context: clientContext, serverName: "localhost"))
      #expect(try await s.line().hasPrefix("+OK "))
      try await s.login("alice@example.test", "secret")
      #expect(try await s.line() == "-ERR idle for too long; closing the connection")
      #expect(try await s.atEOF())
      #expect(try await eventually { f.store.lockPOP3(alice.id) != nil })

      // Over the connection limit.
      let turnedAway = POP3TestClient(
        try await TCPConnection.connect(
          to: full.listener.localAddress, reactor: reactor, timeout: .seconds(10)))
      #expect(try await turnedAway.line() == "-ERR [SYS/TEMP] too many connections")
      #expect(try await turnedAway.atEOF())

      plain.stop()
      implicit.stop()
      full.stop()
      await servers.value
    }
  }
}

extension LogSink {
  var logger: Logger { Logger(sink: self, component: "test") }
}
