import Log
import Net
import SMTPCore
import Storage
import TLS
import Testing

@testable import SMTPServer

/// Real sockets: `TCPServer`s on 127.0.0.1 for the three roles, the connection cap and
/// the idle timeout.
@Suite struct SMTPLoopbackTests {
  @Test func threeListenersOverLoopback() async throws {
    var settings = SMTPFixture.defaultSettings
    // Long enough that TLS handshakes and password hashing on a loaded CI machine (or
    // under AddressSanitizer) never trip it between two commands; the idle case below
    // then waits this long once.
    settings.idleTimeout = .seconds(3)
    try await SMTPFixture.with(settings: settings, tls: true) { f in
      let alice = try await f.addUser("alice")
      let reactor = try Reactor()
      defer { reactor.shutdown() }
      let any = try SocketAddress(host: "127.0.0.1", port: 0)
      let logger = Logger(sink: f.sink, component: "test")
      let service = f.service
      func listener(_ role: SMTPRole, limiter: ConnectionLimiter? = nil) throws -> TCPServer {
        TCPServer(
          listener: try TCPListener(bindingTo: any, reactor: reactor), limiter: limiter,
          logger: logger, reject: { await service.reject($0, role: role) }
        ) { await service.serve($0, role: role) }
      }
      let mx = try listener(.mx)
      let submission = try listener(.submission)
      let submissions = try listener(.submissions)
      let full = try listener(.mx, limiter: ConnectionLimiter(maxTotal: 0, maxPerIP: 0))
      let servers = Task {
        await withDiscardingTaskGroup { group in
          for server in [mx, submission, submissions, full] { group.addTask { await server.run() } }
        }
      }
      func connect(_ server: TCPServer) async throws -> SMTPTestClient {
        SMTPTestClient(
          try await TCPConnection.connect(to: server.listener.localAddress, reactor: reactor))
      }

      // MX: a message to Alice, from loopback, named by its IP literal.
      let m = try await connect(mx)
      #expect(try await m.replyText() == "220 mx.example.test ESMTP ready")
      #expect(try await m.ehlo().startTLS)
      #expect(
        try await m.sendMail(
          from: "a@remote.example", to: ["alice@example.test"], message: Sample.plain
        )
        .hasPrefix("250"))
      #expect(try await m.command("RCPT TO:<x@remote.example>").hasPrefix("503"))
      #expect(try await m.command("QUIT").hasPrefix("221"))
      let stored = try #require(try await f.inboxText(alice).first)
      #expect(stored.contains("Received: from client.example.net ([127.0.0.1])"))

      // Submission: STARTTLS, AUTH, a message to a remote address.
      let s = try await connect(submission)
      _ = try await s.reply()
      _ = try await s.ehlo()
      try await s.startTLS()
      _ = try await s.ehlo()
      #expect(try await s.authPlain("alice@example.test", "secret").hasPrefix("235"))
      #expect(
        try await s.sendMail(
          from: "alice@example.test", to: ["bob@remote.example"], message: Sample.fromAlice()
        )
        .hasPrefix("250"))
      #expect(try await s.command("QUIT").hasPrefix("221"))
      #expect(try await f.store.queuedMessages().count == 1)

      // Submissions: implicit TLS.
      let t = try await connect(submissions)
      try await t.handshake()
      #expect(try await t.reply().code == 220)
      #expect(try await t.ehlo().authMechanisms.contains("LOGIN"))
      #expect(try await t.command("QUIT").hasPrefix("221"))

      // Over the connection cap: 421 4.7.0, then closed.
      let r = try await connect(full)
      #expect(try await r.replyText() == "421 4.7.0 mx.example.test too many connections")
      #expect(try await r.atEOF())

      // Idle: 421 4.4.2 after the timeout, then closed.
      let idle = try await connect(mx)
      _ = try await idle.reply()
      #expect(try await idle.replyText() == "421 4.4.2 Timeout, closing connection")
      #expect(try await idle.atEOF())

      for server in [mx, submission, submissions, full] { server.stop() }
      await servers.value
    }
  }
}
