import Foundation
import Net
import POP3Core
import Storage
import Testing

@testable import POP3Server

/// Messages with the awkward cases: dot lines, bare LF, no final line break.
enum Sample {
  static let dotted =
    "From: a@example.test\r\nSubject: dots\r\n\r\nHello\r\n.hidden line\r\n..two dots\r\n.\r\nend\r\n"
  static let bareLF = "Subject: bare\n\nline one\nline two\n"
  static let unterminated = "Subject: open\r\n\r\nno final line break"
  static let plain = "Subject: plain\r\n\r\nbody line 1\r\nbody line 2\r\nbody line 3\r\n"

  /// What RETR sends for `message` once un-stuffed: CRLF line endings, a final CRLF.
  static func retrieved(_ message: String) -> [UInt8] {
    var text = message.replacingOccurrences(of: "\r\n", with: "\n")
      .replacingOccurrences(of: "\n", with: "\r\n")
    if !text.hasSuffix("\r\n") { text += "\r\n" }
    return Array(text.utf8)
  }
}

@Suite struct POP3TranscriptTests {
  @Test func everyCommandInOneSession() async throws {
    try await POP3Fixture.with { f in
      let alice = try await f.addUser("alice")
      for message in [Sample.dotted, Sample.bareLF, Sample.unterminated, Sample.plain] {
        try await f.deliver(message, to: alice)
      }
      let (c, session) = try await f.open()
      let capa = try await c.multiLine("CAPA")
      #expect(capa.status.hasPrefix("+OK"))
      #expect(capa.lines.contains("USER"))
      #expect(capa.lines.contains("PIPELINING"))
      #expect(capa.lines.contains("SASL SCRAM-SHA-256 PLAIN LOGIN"))
      #expect(!capa.lines.contains("STLS"), "no TLS context configured")
      #expect(try await c.command("STAT").hasPrefix("-ERR"), "STAT before login")

      try await c.login("alice@example.test", "secret")
      let sizes = [Sample.dotted, Sample.bareLF, Sample.unterminated, Sample.plain].map {
        Sample.retrieved($0).count
      }
      #expect(try await c.command("STAT") == "+OK 4 \(sizes.reduce(0, +))")
      let list = try await c.multiLine("LIST")
      #expect(list.lines == sizes.enumerated().map { "\($0.offset + 1) \($0.element)" })
      #expect(try await c.command("LIST 2") == "+OK 2 \(sizes[1])")
      #expect(try await c.command("LIST 9").hasPrefix("-ERR"))

      let uidl = try await c.multiLine("UIDL")
      let inbox = try await f.inbox(alice)
      let ids = (1...4).map { POP3UniqueID(uidValidity: inbox.uidValidity, uid: UInt32($0)) }
      #expect(uidl.lines == ids.enumerated().map { "\($0.offset + 1) \($0.element)" })
      #expect(try await c.command("UIDL 3") == "+OK 3 \(ids[2])")

      let retr = try await c.retrieve("RETR 1")
      #expect(retr.status == "+OK \(sizes[0]) octets")
      #expect(retr.message == Sample.retrieved(Sample.dotted))
      let top = try await c.multiLine("TOP 4 1")
      #expect(top.lines == ["Subject: plain", "", "body line 1"])
      let header = try await c.multiLine("TOP 4 0")
      #expect(header.lines == ["Subject: plain", ""])

      #expect(try await c.command("NOOP") == "+OK")
      #expect(try await c.command("DELE 2") == "+OK message 2 deleted")
      #expect(try await c.command("DELE 2").hasPrefix("-ERR"))
      #expect(try await c.command("RETR 2").hasPrefix("-ERR"))
      #expect(try await c.command("LIST 2").hasPrefix("-ERR"))
      #expect(try await c.command("STAT") == "+OK 3 \(sizes.reduce(0, +) - sizes[1])")
      #expect(try await c.multiLine("LIST").lines.count == 3)
      #expect(try await c.command("RSET").hasPrefix("+OK maildrop has 4 messages"))
      #expect(try await c.command("STAT") == "+OK 4 \(sizes.reduce(0, +))")
      #expect(try await c.command("DELE 3") == "+OK message 3 deleted")
      #expect(try await c.command("APOP x y").hasPrefix("-ERR"))
      #expect(try await c.command("USER bob@example.test").hasPrefix("-ERR"))
      #expect(try await c.command("XYZZY").hasPrefix("-ERR"))
      #expect(try await c.command("QUIT") == "+OK Posta POP3 server signing off (3 messages left)")
      #expect(try await c.atEOF())
      await session.value

      let left = try await f.store.messages(in: inbox.id).map(\.uid)
      #expect(left == [1, 2, 4])
      #expect(f.events("pop3-login").contains { $0.contains("result=ok") })
      #expect(!f.sink.lines.contains { $0.contains("secret") }, "no password in the log")
    }
  }

  @Test func wholeSessionPipelinedInOneWrite() async throws {
    try await POP3Fixture.with { f in
      let alice = try await f.addUser("alice")
      try await f.deliver(Sample.plain, to: alice)
      try await f.deliver(Sample.dotted, to: alice)
      let (c, session, server) = f.connect()
      _ = try await c.line()
      try await c.sendRaw(
        "CAPA\r\nUSER alice@example.test\r\nPASS secret\r\nSTAT\r\nLIST\r\nUIDL\r\n"
          + "RETR 2\r\nTOP 1 0\r\nDELE 1\r\nNOOP\r\nQUIT\r\n")
      #expect(try await c.body().contains("PIPELINING"))
      #expect(try await c.line().hasPrefix("+OK"))  // USER
      #expect(try await c.line().hasPrefix("+OK maildrop has 2 messages"))  // PASS
      let total = Sample.retrieved(Sample.plain).count + Sample.retrieved(Sample.dotted).count
      #expect(try await c.line() == "+OK 2 \(total)")  // STAT
      #expect(try await c.line().hasPrefix("+OK"))  // LIST
      #expect(try await c.body().count == 2)
      #expect(try await c.line().hasPrefix("+OK"))  // UIDL
      #expect(try await c.body().count == 2)
      #expect(try await c.line().hasPrefix("+OK"))  // RETR 2
      #expect(try await c.messageBody() == Sample.retrieved(Sample.dotted))
      #expect(try await c.line().hasPrefix("+OK"))  // TOP 1 0
      #expect(try await c.body() == ["Subject: plain", ""])
      #expect(try await c.line() == "+OK message 1 deleted")
      #expect(try await c.line() == "+OK")
      #expect(try await c.line().hasPrefix("+OK Posta POP3 server signing off"))
      #expect(try await c.atEOF())
      await session.value
      // Greeting, the replies up to PASS (flushed before the login), and the rest in one.
      #expect(server.writes.load(ordering: .relaxed) <= 3)
      #expect(try await f.store.messages(in: try await f.inbox(alice).id).map(\.uid) == [2])
    }
  }

  @Test func sizesMatchRetrievedOctets() async throws {
    try await POP3Fixture.with { f in
      let alice = try await f.addUser("alice")
      let samples = [
        Sample.dotted, Sample.bareLF, Sample.unterminated, Sample.plain, "", "x", "\n", "\r\n",
        "a\rb\r\n", "lone CR at end\r", ".\n..\n...\n",
      ]
      for s in samples { try await f.deliver(s, to: alice) }
      let (c, _) = try await f.open()
      try await c.login("alice@example.test", "secret")
      let list = try await c.multiLine("LIST").lines
      var total = 0
      for (i, sample) in samples.enumerated() {
        let retr = try await c.retrieve("RETR \(i + 1)")
        let message = try #require(retr.message)
        #expect(
          list[i] == "\(i + 1) \(message.count)", "message \(i + 1): \(sample.debugDescription)")
        #expect(retr.status == "+OK \(message.count) octets")
        total += message.count
      }
      #expect(try await c.command("STAT") == "+OK \(samples.count) \(total)")
      #expect(try await c.command("QUIT").hasPrefix("+OK"))
    }
  }

  @Test func byteStuffingAndBareLF() async throws {
    try await POP3Fixture.with { f in
      let alice = try await f.addUser("alice")
      try await f.deliver(Sample.dotted, to: alice)
      try await f.deliver(Sample.bareLF, to: alice)
      let (c, _) = try await f.open()
      try await c.login("alice@example.test", "secret")
      // On the wire, before un-stuffing: every line starting with "." got one more.
      try await c.send("RETR 1")
      #expect(try await c.line().hasPrefix("+OK"))
      var wire: [String] = []
      while true {
        let line = try await c.line()
        if line == "." { break }
        wire.append(line)
      }
      #expect(
        wire == [
          "From: a@example.test", "Subject: dots", "", "Hello", "..hidden line", "...two dots",
          "..", "end",
        ])
      let bare = try #require(try await c.retrieve("RETR 2").message)
      #expect(bare == Array("Subject: bare\r\n\r\nline one\r\nline two\r\n".utf8))
      #expect(!bare.indices.contains { bare[$0] == 10 && ($0 == 0 || bare[$0 - 1] != 13) })
    }
  }

  @Test func overLongLinesAreRefusedAndTheSessionStaysInStep() async throws {
    try await POP3Fixture.with { f in
      let alice = try await f.addUser("alice")
      try await f.deliver(Sample.plain, to: alice)
      let (c, _) = try await f.open()
      // 253 octets plus CRLF is the longest allowed line (RFC 2449 §4: 255).
      #expect(try await c.command("USER " + String(repeating: "a", count: 248)).hasPrefix("+OK"))
      #expect(
        try await c.command("NOOP " + String(repeating: "b", count: 250)) == "-ERR line too long")
      try await c.sendRaw("USER " + String(repeating: "c", count: 70_000) + "\r\nCAPA\r\n")
      #expect(try await c.line() == "-ERR line too long")
      #expect(try await c.body().contains("UIDL"), "the command after the long line runs")
      try await c.login("alice@example.test", "secret")
      #expect(try await c.command("STAT").hasPrefix("+OK 1 "))
      // A SASL line may be longer than a command line, but not without bound.
      #expect(try await c.command("QUIT").hasPrefix("+OK"))
    }
  }

  @Test func uidlIsStableAcrossAReopenedStore() async throws {
    let dir = try POP3Fixture.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let first = try await POP3Fixture.with(directory: dir) { f in
      let alice = try await f.addUser("alice")
      for i in 0..<3 { try await f.deliver("Subject: \(i)\r\n\r\nbody\r\n", to: alice) }
      let (c, _) = try await f.open()
      try await c.login("alice@example.test", "secret")
      let ids = try await c.multiLine("UIDL").lines
      #expect(try await c.command("DELE 1").hasPrefix("+OK"))
      #expect(try await c.command("QUIT").hasPrefix("+OK"))
      return ids
    }
    let second = try await POP3Fixture.with(directory: dir) { f in
      let (c, _) = try await f.open()
      try await c.login("alice@example.test", "secret")
      let ids = try await c.multiLine("UIDL").lines
      #expect(try await c.command("QUIT").hasPrefix("+OK"))
      return ids
    }
    #expect(first.count == 3)
    // Message numbers change after the delete; the ids of the survivors do not.
    #expect(
      second.map { $0.split(separator: " ")[1] }
        == first.dropFirst().map {
          $0.split(separator: " ")[1]
        })
  }

  @Test func unknownUserAndWrongPasswordLookTheSame() async throws {
    try await POP3Fixture.with { f in
      try await f.addUser("alice")
      let (c, _) = try await f.open()
      #expect(try await c.command("USER nobody@example.test").hasPrefix("+OK"))
      let unknown = try await c.command("PASS secret")
      #expect(try await c.command("USER alice@example.test").hasPrefix("+OK"))
      let wrong = try await c.command("PASS wrong")
      #expect(unknown == wrong)
      #expect(unknown == "-ERR [AUTH] authentication failed")
      #expect(try await c.command("PASS secret") == "-ERR send USER first")
      #expect(try await c.command("USER not-an-address").hasPrefix("+OK"))
      #expect(try await c.command("PASS secret") == unknown)
      try await c.login("alice@example.test", "secret")
      #expect(f.events("pop3-login").filter { $0.contains("result=failed") }.count == 3)
      #expect(!f.sink.lines.contains { $0.contains("wrong") })
    }
  }

  @Test func plaintextLoginsNeedTLSOffLoopback() async throws {
    try await POP3Fixture.with(tls: true) { f in
      try await f.addUser("alice")
      let (c, _) = try await f.open(from: POP3Fixture.remote)
      let capa = try await c.multiLine("CAPA").lines
      #expect(!capa.contains("USER"))
      #expect(capa.contains("SASL SCRAM-SHA-256"))
      #expect(capa.contains("STLS"))
      let user = try await c.command("USER alice@example.test")
      #expect(user.hasPrefix("-ERR [AUTH] "))
      #expect(user.contains("STLS"))
      #expect(try await c.command("AUTH PLAIN AGFsaWNlAHNlY3JldA==").hasPrefix("-ERR [AUTH] "))
      #expect(try await c.command("AUTH LOGIN").hasPrefix("-ERR [AUTH] "))
      #expect(try await c.multiLine("AUTH").lines == ["SCRAM-SHA-256"])
    }
  }

  @Test func loopbackIsNotSecureWhenConfiguredSo() async throws {
    var settings = POP3Settings(hostName: "pop.example.test")
    settings.loopbackIsSecure = false
    try await POP3Fixture.with(settings: settings) { f in
      let (c, _) = try await f.open()
      #expect(!(try await c.multiLine("CAPA").lines.contains("USER")))
      let reply = try await c.command("USER alice@example.test")
      #expect(reply.hasPrefix("-ERR [AUTH] "))
      #expect(reply.contains("995"), "without STLS the hint names the pop3s port: \(reply)")
    }
  }
}
