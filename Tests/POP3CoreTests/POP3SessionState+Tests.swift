import POP3Core
import Testing

/// Drives a session like the server would, with the server's side scripted.
private struct Driver {
  var session: POP3SessionState
  var maildrop: POP3Maildrop
  var loginWorks = true
  var expungeWorks = true
  /// Every action the session returned, for "nothing was expunged" checks.
  var actions: [POP3Action] = []

  init(_ config: POP3SessionConfiguration = .init(secureWithoutTLS: true), maildrop: POP3Maildrop) {
    session = POP3SessionState(configuration: config)
    self.maildrop = maildrop
  }

  /// Sends `line`; returns everything the server would write for it.
  mutating func send(_ line: String) -> String {
    let action = session.receive(line: Array(line.utf8))
    actions.append(action)
    switch action {
    case .reply(let bytes), .close(let bytes):
      return Self.text(bytes)
    case .startTLS(let bytes):
      session.tlsStarted()
      return Self.text(bytes)
    case .authenticate, .authenticateSASL:
      let reply =
        loginWorks
        ? session.authenticationSucceeded(maildrop: maildrop)
        : session.authenticationFailed(.invalidCredentials)
      return Self.text(reply)
    case .retrieve(let retrieval):
      // Stand-in bodies: message n is "Subject: n" plus n body lines.
      let body =
        Array("Subject: \(retrieval.uid)\n\n".utf8)
        + (0..<retrieval.number).flatMap {
          Array("line \($0)\n".utf8)
        }
      var stuffer = retrieval.makeStuffer()
      return Self.text(retrieval.okLine + stuffer.append(body) + stuffer.finish())
    case .update:
      return Self.text(session.updateFinished(succeeded: expungeWorks))
    }
  }

  var expunged: [UInt32]? {
    for case .update(let uids) in actions { return uids }
    return nil
  }

  static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}

@Suite struct POP3SessionStateTests {
  static let drop = POP3Maildrop(
    uidValidity: 0x6500_0000,
    messages: [.init(uid: 4, size: 120), .init(uid: 7, size: 200), .init(uid: 9, size: 50)])

  @Test func greetingHasNoAPOPTimestamp() {
    let session = POP3SessionState(configuration: .init())
    #expect(Driver.text(session.greeting) == "+OK Posta POP3 server ready\r\n")
    #expect(session.phase == .authorization)
  }

  @Test func wholeSessionExpungesMarkedMessagesAtQuit() {
    var d = Driver(maildrop: Self.drop)
    #expect(d.send("USER alice@example.test") == "+OK send PASS\r\n")
    #expect(d.send("PASS correct horse") == "+OK maildrop has 3 messages (370 octets)\r\n")
    #expect(d.session.phase == .transaction)
    #expect(d.send("STAT") == "+OK 3 370\r\n")
    #expect(d.send("LIST") == "+OK 3 messages (370 octets)\r\n1 120\r\n2 200\r\n3 50\r\n.\r\n")
    #expect(d.send("LIST 2") == "+OK 2 200\r\n")
    #expect(d.send("LIST 4") == "-ERR no such message\r\n")
    #expect(
      d.send("UIDL") == "+OK unique-id listing follows\r\n1 6500000000000004\r\n"
        + "2 6500000000000007\r\n3 6500000000000009\r\n.\r\n")
    #expect(d.send("UIDL 3") == "+OK 3 6500000000000009\r\n")
    #expect(d.send("RETR 1") == "+OK 120 octets\r\nSubject: 4\r\n\r\nline 0\r\n.\r\n")
    #expect(d.send("TOP 2 1") == "+OK top of message follows\r\nSubject: 7\r\n\r\nline 0\r\n.\r\n")
    #expect(d.send("DELE 1") == "+OK message 1 deleted\r\n")
    #expect(d.send("DELE 1") == "-ERR message 1 already deleted\r\n")
    #expect(d.send("RETR 1") == "-ERR message 1 already deleted\r\n")
    #expect(d.send("TOP 1 0") == "-ERR message 1 already deleted\r\n")
    #expect(d.send("LIST 1") == "-ERR message 1 already deleted\r\n")
    #expect(d.send("UIDL 1") == "-ERR message 1 already deleted\r\n")
    #expect(d.send("STAT") == "+OK 2 250\r\n")
    #expect(d.send("LIST") == "+OK 2 messages (250 octets)\r\n2 200\r\n3 50\r\n.\r\n")
    #expect(d.send("RSET") == "+OK maildrop has 3 messages (370 octets)\r\n")
    #expect(d.send("STAT") == "+OK 3 370\r\n")
    #expect(d.send("DELE 3") == "+OK message 3 deleted\r\n")
    #expect(d.send("DELE 2") == "+OK message 2 deleted\r\n")
    #expect(d.send("NOOP") == "+OK\r\n")
    #expect(d.send("QUIT") == "+OK Posta POP3 server signing off (1 messages left)\r\n")
    #expect(d.expunged == [7, 9])
    #expect(d.session.phase == .closed)
    #expect(d.send("STAT") == "-ERR session is closed\r\n")
  }

  @Test func droppedSessionExpungesNothing() {
    var d = Driver(maildrop: Self.drop)
    _ = d.send("USER a")
    _ = d.send("PASS b")
    #expect(d.send("DELE 1") == "+OK message 1 deleted\r\n")
    #expect(d.send("DELE 2") == "+OK message 2 deleted\r\n")
    // The connection drops here: the only way to expunge is the .update action of QUIT,
    // which the session never produced.
    #expect(d.expunged == nil)
    #expect(d.session.phase == .transaction)
  }

  @Test func quitWithoutDeletionsAndFailedExpunge() {
    var d = Driver(maildrop: Self.drop)
    _ = d.send("USER a")
    _ = d.send("PASS b")
    #expect(d.send("QUIT") == "+OK Posta POP3 server signing off (3 messages left)\r\n")
    #expect(d.expunged == [])

    var e = Driver(maildrop: Self.drop)
    e.expungeWorks = false
    _ = e.send("USER a")
    _ = e.send("PASS b")
    _ = e.send("DELE 2")
    #expect(e.send("QUIT") == "-ERR [SYS/TEMP] some deleted messages not removed\r\n")
    #expect(e.expunged == [7])
  }

  @Test func emptyMaildrop() {
    var d = Driver(maildrop: POP3Maildrop(uidValidity: 1, messages: []))
    _ = d.send("USER a")
    #expect(d.send("PASS b") == "+OK maildrop has 0 messages (0 octets)\r\n")
    #expect(d.send("LIST") == "+OK 0 messages (0 octets)\r\n.\r\n")
    #expect(d.send("UIDL") == "+OK unique-id listing follows\r\n.\r\n")
    #expect(d.send("RETR 1") == "-ERR no such message\r\n")
    #expect(d.send("QUIT") == "+OK Posta POP3 server signing off (maildrop empty)\r\n")
  }

  @Test func quitInAuthorizationJustCloses() {
    var d = Driver(maildrop: Self.drop)
    let action = d.session.receive(line: Array("QUIT".utf8))
    #expect(action == .close(reply: Array("+OK Posta POP3 server signing off\r\n".utf8)))
    #expect(d.session.phase == .closed)
  }

  @Test func userPassSequencing() {
    var d = Driver(maildrop: Self.drop)
    #expect(d.send("PASS x") == "-ERR send USER first\r\n")
    #expect(d.send("USER a") == "+OK send PASS\r\n")
    #expect(d.send("USER b") == "+OK send PASS\r\n")
    let action = d.session.receive(line: Array("PASS pw with spaces".utf8))
    #expect(action == .authenticate(user: "b", password: "pw with spaces"))
    #expect(d.session.phase == .authenticating)
    #expect(
      Driver.text(d.session.authenticationFailed(.invalidCredentials))
        == "-ERR [AUTH] authentication failed\r\n")
    #expect(d.session.phase == .authorization)
    // USER must come again after a failed PASS.
    #expect(d.send("PASS x") == "-ERR send USER first\r\n")
  }

  @Test func unknownUserAndWrongPasswordLookAlike() {
    var d = Driver(maildrop: Self.drop)
    d.loginWorks = false
    let unknown = [d.send("USER nobody@example.test"), d.send("PASS x")]
    let wrong = [d.send("USER alice@example.test"), d.send("PASS y")]
    #expect(unknown == wrong)
    #expect(unknown == ["+OK send PASS\r\n", "-ERR [AUTH] authentication failed\r\n"])
  }

  @Test func inUseLoginGoesBackToAuthorization() {
    var session = POP3SessionState(configuration: .init(isTLS: true))
    _ = session.handle(.user("a"))
    _ = session.handle(.pass("b"))
    let reply = session.authenticationFailed(.inUse)
    #expect(Driver.text(reply).hasPrefix("-ERR [IN-USE] "))
    #expect(session.phase == .authorization)
    #expect(session.maildrop == nil)
  }

  @Test func commandsInTheWrongState() {
    var d = Driver(maildrop: Self.drop)
    for line in ["STAT", "LIST", "RETR 1", "DELE 1", "NOOP", "RSET", "TOP 1 1", "UIDL"] {
      let keyword = line.split(separator: " ")[0]
      #expect(d.send(line) == "-ERR \(keyword) is only valid after login\r\n")
    }
    #expect(d.send("APOP a b") == "-ERR APOP is not supported; use USER/PASS or AUTH\r\n")
    _ = d.send("USER a")
    _ = d.send("PASS b")
    for line in ["USER a", "PASS b", "AUTH PLAIN", "AUTH", "STLS", "APOP a b"] {
      #expect(d.send(line) == "-ERR already logged in\r\n")
    }
    #expect(d.send("XTND") == "-ERR unknown command XTND\r\n")
    #expect(d.send("RETR 0") == "-ERR invalid message number 0\r\n")
  }

  @Test func plaintextRefusedWithoutTLS() {
    var d = Driver(.init(isTLS: false, tlsAvailable: true), maildrop: Self.drop)
    let refusal = "-ERR [AUTH] plaintext authentication requires TLS; use STLS first\r\n"
    #expect(d.send("USER alice") == refusal)
    #expect(d.send("PASS secret") == refusal)
    #expect(d.send("AUTH PLAIN AGEAYg==") == refusal)
    #expect(d.send("AUTH LOGIN") == refusal)
    #expect(d.send("AUTH") == "+OK SASL mechanisms follow\r\nSCRAM-SHA-256\r\n.\r\n")
    let scram = d.session.receive(line: Array("AUTH scram-sha-256 biwsbj11c2VyLHI9YWJj".utf8))
    #expect(
      scram
        == .authenticateSASL(mechanism: "SCRAM-SHA-256", initialResponse: "biwsbj11c2VyLHI9YWJj"))

    var noTLS = Driver(.init(isTLS: false, tlsAvailable: false), maildrop: Self.drop)
    #expect(
      noTLS.send("USER alice")
        == "-ERR [AUTH] plaintext authentication requires TLS; connect to the POP3S port (995) instead\r\n"
    )
    #expect(noTLS.send("STLS") == "-ERR STLS is not available on this port\r\n")
  }

  @Test func stlsUpgradesAndForgetsPendingUser() {
    var d = Driver(
      .init(isTLS: false, tlsAvailable: true, secureWithoutTLS: true), maildrop: Self.drop)
    _ = d.send("USER early")
    #expect(d.session.pendingUser == "early")
    #expect(d.send("STLS") == "+OK begin TLS negotiation\r\n")
    #expect(d.session.configuration.isTLS)
    #expect(d.session.pendingUser == nil)
    #expect(d.send("STLS") == "-ERR already using TLS\r\n")
    #expect(!d.send("CAPA").contains("STLS"))
    #expect(d.send("PASS x") == "-ERR send USER first\r\n")
  }

  @Test func authExchangeFlow() {
    var session = POP3SessionState(configuration: .init(isTLS: true))
    #expect(
      session.handle(.auth(mechanism: "PLAIN", initialResponse: nil))
        == .authenticateSASL(mechanism: "PLAIN", initialResponse: nil))
    #expect(session.phase == .authenticating)
    #expect(session.handle(.stat) == .reply(Array("-ERR authentication in progress\r\n".utf8)))
    #expect(
      Driver.text(session.authenticationFailed(.cancelled)) == "-ERR authentication cancelled\r\n")
    #expect(
      session.handle(.auth(mechanism: "CRAM-MD5", initialResponse: nil))
        == .reply(Array("-ERR unsupported SASL mechanism CRAM-MD5\r\n".utf8)))
    _ = session.handle(.auth(mechanism: "LOGIN", initialResponse: "="))
    #expect(Driver.text(session.authenticationSucceeded(maildrop: Self.drop)).hasPrefix("+OK"))
    #expect(session.phase == .transaction)
  }

  @Test func capaIsTheSameInBothStates() {
    var d = Driver(.init(isTLS: true), maildrop: Self.drop)
    let before = d.send("CAPA")
    _ = d.send("USER a")
    _ = d.send("PASS b")
    #expect(d.send("CAPA") == before)
    #expect(before.contains("\r\nUSER\r\n"))
  }

  @Test func overLongLinesGetAnErrorAndTheSessionStaysInStep() {
    var d = Driver(maildrop: Self.drop)
    #expect(d.session.lineTooLong() == .reply(Array("-ERR line too long\r\n".utf8)))
    let long = "USER " + String(repeating: "x", count: 300)
    #expect(d.send(long) == "-ERR line too long\r\n")
    #expect(d.send("USER a") == "+OK send PASS\r\n")
  }

  @Test func pipelinedCommandsAreHandledInOrder() {
    // PIPELINING: the server feeds each buffered line in turn; the session holds no
    // per-line state beyond its phase, so order alone decides.
    var d = Driver(maildrop: Self.drop)
    let replies = ["USER a", "PASS b", "DELE 1", "STAT", "QUIT"].map { d.send($0) }
    #expect(replies[3] == "+OK 2 250\r\n")
    #expect(d.expunged == [4])
  }

  @Test func tenThousandMessageListing() {
    let messages = (1...10_000).map { POP3Maildrop.Message(uid: UInt32($0), size: 1000 + $0) }
    var session = POP3SessionState(configuration: .init(isTLS: true))
    _ = session.handle(.user("a"))
    _ = session.handle(.pass("b"))
    _ = session.authenticationSucceeded(maildrop: POP3Maildrop(uidValidity: 1, messages: messages))
    for n in stride(from: 2, through: 10_000, by: 2) { _ = session.handle(.dele(n)) }
    guard case .reply(let list) = session.handle(.list(nil)) else {
      Issue.record("LIST did not reply")
      return
    }
    let lines = Driver.text(list).split(separator: "\r\n", omittingEmptySubsequences: false)
    #expect(lines.count == 5_000 + 3)
    #expect(
      lines[0]
        == "+OK 5000 messages (\(stride(from: 1, through: 9_999, by: 2).reduce(0) { $0 + 1000 + $1 }) octets)"
    )
    #expect(lines[1] == "1 1001")
    #expect(lines[5_000] == "9999 10999")
    #expect(lines[5_001] == ".")
    guard case .update(let uids) = session.handle(.quit) else {
      Issue.record("QUIT did not update")
      return
    }
    #expect(uids == stride(from: 2, through: 10_000, by: 2).map { UInt32($0) })
  }
}

@Suite struct POP3MaildropTests {
  @Test func marksAndCounts() {
    var drop = POP3Maildrop(
      uidValidity: 3, messages: [.init(uid: 1, size: 10), .init(uid: 2, size: 20)])
    #expect(drop.count == 2 && drop.size == 30 && drop.totalCount == 2)
    let marks = [2, 2, 0, 3].map { drop.markDeleted($0) }
    #expect(marks == [true, false, false, false])
    #expect(drop.lookup(2) == .deleted)
    #expect(drop.lookup(3) == .noSuchMessage)
    #expect(drop.lookup(-1) == .noSuchMessage)
    #expect(drop.lookup(1) == .message(.init(uid: 1, size: 10)))
    #expect(drop.count == 1 && drop.size == 10 && drop.deletedCount == 1)
    #expect(drop.deletedUIDs == [2])
    #expect(drop.live.map(\.number) == [1])
    drop.unmarkAll()
    #expect(drop.count == 2 && drop.size == 30 && drop.deletedUIDs.isEmpty)
  }
}
