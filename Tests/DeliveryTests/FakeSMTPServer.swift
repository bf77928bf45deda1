import Crypto
import Net
import SMTPCore
import Synchronization
import TLS

/// A scriptable SMTP server on 127.0.0.1 for the client and queue tests. It records what
/// it receives and answers as `Behaviour` says.
final class FakeSMTPServer: Sendable {
  struct Behaviour: Sendable {
    var greeting = Reply(220, nil, "mx.fake.test ESMTP fake")
    /// The name the EHLO reply starts with.
    var ehloName = "mx.fake.test"
    /// Never send the greeting (for timeouts).
    var silent = false
    /// Answer EHLO with 502 so the client falls back to HELO.
    var refuseEHLO = false
    var pipelining = true
    var size: Int?
    var smtputf8 = true
    var eightBitMIME = true
    /// Offer DSN (RFC 3461).
    var dsn = false
    /// Offer STARTTLS with this context.
    var tls: TLSContext?
    /// TLS from the first byte (port 465) with this context.
    var implicitTLS: TLSContext?
    /// Answer STARTTLS with 220, then close instead of a handshake.
    var breakTLS = false
    /// Offer AUTH PLAIN (after TLS) and accept only these credentials.
    var auth: (user: String, password: String)?
    var mailReply = Reply(250, EnhancedStatusCode(2, 1, 0), "OK")
    var rcptReply: @Sendable (String) -> Reply = { _ in
      Reply(250, EnhancedStatusCode(2, 1, 5), "OK")
    }
    /// 452 4.5.3 for recipients beyond this many in one transaction.
    var maxRecipients: Int?
    var dataReply: @Sendable ([UInt8]) -> Reply = { _ in
      Reply(250, EnhancedStatusCode(2, 0, 0), "queued as 1")
    }
  }

  struct Received: Sendable, Equatable {
    var sender: String
    var recipients: [String]
    /// The message as the client meant it (dot-unstuffed, CRLF lines).
    var data: [UInt8]
    /// The MAIL command line as sent.
    var mailLine: String
    var tls: Bool
  }

  private struct State {
    var messages: [Received] = []
    var commands: [String] = []
    var sessions = 0
    /// MAIL commands that arrived together with more commands in one read (pipelining).
    var pipelinedMAIL = 0
    var tlsSessions = 0
    var authenticated: [String] = []
    var connections: [TCPConnection] = []
  }

  let listener: TCPListener
  let behaviour: Mutex<Behaviour>
  private let state = Mutex(State())
  private let acceptTask = Mutex<Task<Void, Never>?>(nil)

  var port: UInt16 { listener.localAddress.port }
  var address: SocketAddress { listener.localAddress }
  var messages: [Received] { state.withLock { $0.messages } }
  var commands: [String] { state.withLock { $0.commands } }
  var sessions: Int { state.withLock { $0.sessions } }
  var pipelinedMAIL: Int { state.withLock { $0.pipelinedMAIL } }
  var tlsSessions: Int { state.withLock { $0.tlsSessions } }
  var authenticated: [String] { state.withLock { $0.authenticated } }

  /// Listens on `host` (127.0.0.1 unless given; a random port unless `port` is) and starts
  /// serving.
  init(
    reactor: Reactor, host: String = "127.0.0.1", port: UInt16 = 0,
    _ behaviour: Behaviour = Behaviour()
  ) throws {
    listener = try TCPListener(
      bindingTo: try SocketAddress(host: host, port: port), reactor: reactor)
    self.behaviour = Mutex(behaviour)
    let task = Task { [self] in
      while true {
        guard let conn = try? await listener.accept() else { return }
        state.withLock {
          $0.sessions += 1
          $0.connections.append(conn)
        }
        Task { await self.serve(conn) }
      }
    }
    acceptTask.withLock { $0 = task }
  }

  func update(_ change: (inout Behaviour) -> Void) { behaviour.withLock { change(&$0) } }

  /// Stops listening and closes every connection.
  func stop() {
    listener.close()
    acceptTask.withLock { $0?.cancel() }
    for c in state.withLock({ $0.connections }) { c.close() }
  }

  // MARK: - One session

  private func serve(_ conn: TCPConnection) async {
    let b = behaviour.withLock { $0 }
    var stream: any ByteStream = conn
    let reader = BufferedReader(conn)
    var secure = false
    func reply(_ r: Reply) async throws { try await stream.write(r.encoded()) }
    do {
      if let context = b.implicitTLS {
        let tls = try await TLSStream.accept(over: conn, context: context)
        stream = tls
        reader.replace(stream: tls)
        secure = true
        state.withLock { $0.tlsSessions += 1 }
      }
      if b.silent {
        _ = try await reader.readLine(limit: 1000)
        conn.close()
        return
      }
      try await reply(b.greeting)
      var sender: String?
      var recipients: [String] = []
      var mailLine = ""
      var inTransaction = 0
      while true {
        guard case .line(let bytes, _) = try await reader.readLine(limit: 4096) else { break }
        let line = String(decoding: bytes, as: UTF8.self)
        let upper = line.uppercased()
        state.withLock { $0.commands.append(line) }
        if upper.hasPrefix("EHLO") {
          if b.refuseEHLO {
            try await reply(Reply(502, EnhancedStatusCode(5, 5, 1), "EHLO not implemented"))
            continue
          }
          var ext = EHLOResponse(
            domain: b.ehloName, pipelining: b.pipelining, size: b.size,
            eightBitMIME: b.eightBitMIME, smtputf8: b.smtputf8, enhancedStatusCodes: true,
            dsn: b.dsn, startTLS: b.tls != nil && !secure)
          if b.auth != nil && secure { ext.authMechanisms = ["PLAIN"] }
          try await reply(ext.reply)
        } else if upper.hasPrefix("HELO") {
          try await reply(Reply(250, nil, "mx.fake.test"))
        } else if upper == "STARTTLS", let context = b.tls, !secure {
          try await reply(Reply(220, EnhancedStatusCode(2, 0, 0), "Ready to start TLS"))
          if b.breakTLS {
            conn.close()
            return
          }
          reader.discardBuffered()
          let tls = try await TLSStream.accept(over: conn, context: context)
          stream = tls
          reader.replace(stream: tls)
          secure = true
          state.withLock { $0.tlsSessions += 1 }
        } else if upper.hasPrefix("AUTH PLAIN "), let expected = b.auth {
          let token = String(line.dropFirst("AUTH PLAIN ".count))
          let decoded = (try? Base64.decode(token)) ?? []
          let parts = decoded.split(separator: 0, omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
          }
          if parts.count == 3 && parts[1] == expected.user && parts[2] == expected.password {
            state.withLock { $0.authenticated.append(parts[1]) }
            try await reply(Reply(235, EnhancedStatusCode(2, 7, 0), "Authentication successful"))
          } else {
            try await reply(Reply(535, EnhancedStatusCode(5, 7, 8), "Authentication failed"))
          }
        } else if upper.hasPrefix("MAIL FROM:") {
          if reader.bufferedCount > 0 { state.withLock { $0.pipelinedMAIL += 1 } }
          if b.mailReply.isPositiveCompletion {
            sender = Self.path(line)
            mailLine = line
            recipients = []
            inTransaction = 0
          }
          try await reply(b.mailReply)
        } else if upper.hasPrefix("RCPT TO:") {
          guard sender != nil else {
            try await reply(Reply(503, EnhancedStatusCode(5, 5, 1), "MAIL first"))
            continue
          }
          let address = Self.path(line)
          if let max = b.maxRecipients, inTransaction >= max {
            try await reply(Reply(452, EnhancedStatusCode(4, 5, 3), "Too many recipients"))
            continue
          }
          let r = b.rcptReply(address)
          if r.isPositiveCompletion {
            recipients.append(address)
            inTransaction += 1
          }
          try await reply(r)
        } else if upper == "DATA" {
          guard let from = sender, !recipients.isEmpty else {
            try await reply(Reply(554, EnhancedStatusCode(5, 5, 1), "No valid recipients"))
            continue
          }
          try await reply(Reply(354, nil, "go ahead"))
          var data: [UInt8] = []
          while case .line(var l, _) = try await reader.readLine(limit: 100_000) {
            if l == [0x2E] { break }
            if l.first == 0x2E { l.removeFirst() }
            data += l + [13, 10]
          }
          let r = b.dataReply(data)
          if r.isPositiveCompletion {
            let m = Received(
              sender: from, recipients: recipients, data: data, mailLine: mailLine, tls: secure)
            state.withLock { $0.messages.append(m) }
          }
          sender = nil
          recipients = []
          try await reply(r)
        } else if upper == "RSET" {
          sender = nil
          recipients = []
          try await reply(Reply(250, EnhancedStatusCode(2, 0, 0), "OK"))
        } else if upper == "QUIT" {
          try await reply(Reply(221, EnhancedStatusCode(2, 0, 0), "Bye"))
          break
        } else {
          try await reply(Reply(500, EnhancedStatusCode(5, 5, 2), "unknown command"))
        }
      }
    } catch {
      // The client went away or the handshake failed; nothing to do.
    }
    await stream.close()
    conn.close()
  }

  /// The address between the first `<` and `>` of a MAIL or RCPT line.
  static func path(_ line: String) -> String {
    guard let open = line.firstIndex(of: "<"), let close = line[open...].firstIndex(of: ">")
    else { return "" }
    return String(line[line.index(after: open)..<close])
  }
}
