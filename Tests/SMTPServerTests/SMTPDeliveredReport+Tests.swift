import Foundation
import Net
import SMTPCore
import Storage
import Synchronization
import Testing

@testable import SMTPServer

/// What `SMTPSettings.reportDelivered` receives.
final class ReportRecorder: Sendable {
  private let reports = Mutex<[DeliveredReport]>([])

  var all: [DeliveredReport] { reports.withLock { $0 } }

  var hook: @Sendable (DeliveredReport) async -> Void {
    { [self] report in reports.withLock { $0.append(report) } }
  }

  /// Default fixture settings with this recorder as the reporter.
  func settings(memoryMessageLimit: Int? = nil) -> SMTPSettings {
    var s = SMTPFixture.defaultSettings
    s.reportDelivered = hook
    if let memoryMessageLimit { s.memoryMessageLimit = memoryMessageLimit }
    return s
  }
}

/// "Delivered" notifications (RFC 3461 §5.2.2) for local recipients with NOTIFY=SUCCESS,
/// and the DSN keyword that goes with them.
@Suite struct SMTPDeliveredReportTests {
  /// MAIL, each RCPT (with its parameters) and the message by DATA; returns the final reply.
  /// The recorder is read right after it: the report is made before the `250`.
  static func send(
    _ c: SMTPTestClient, mail: String, rcpts: [String], message: String = Sample.plain
  ) async throws -> String {
    #expect(try await c.command("MAIL FROM:\(mail)").hasPrefix("250"))
    for r in rcpts { #expect(try await c.command("RCPT TO:\(r)").hasPrefix("250"), "\(r)") }
    #expect(try await c.command("DATA").hasPrefix("354"))
    try await c.sendRaw(DotStuffer.encode(Array(message.utf8)))
    return try await c.replyText()
  }

  @Test func ehloOffersDSNOnlyWithAReporterOnEveryRole() async throws {
    try await SMTPFixture.with(tls: true) { f in
      let (c, _) = try await f.open()
      #expect(!(try await c.ehlo().dsn), "no reporter: success reports could not be sent")
    }
    let recorder = ReportRecorder()
    try await SMTPFixture.with(settings: recorder.settings(), tls: true) { f in
      try await f.addUser("alice")
      let (mx, _) = try await f.open()
      #expect(try await mx.ehlo().dsn)
      let (sub, _) = try await f.openReadyForAuth()
      #expect(try await sub.ehlo().dsn)
      let (subs, _) = try await f.open(role: .submissions)
      #expect(try await subs.ehlo().dsn)
      let (authed, _) = try await f.openAuthenticated("alice")
      #expect(try await authed.ehlo().dsn)
      let lines = try await mx.command("EHLO x").components(separatedBy: " | ")
      #expect(lines.contains("250-DSN"), "\(lines)")
    }
  }

  @Test func notifySuccessToLocalUsersMakesOneReportWithTheirFields() async throws {
    let recorder = ReportRecorder()
    try await SMTPFixture.with(settings: recorder.settings()) { f in
      let alice = try await f.addUser("alice")
      try await f.addUser("bob")
      try await f.addUser("carol")
      let (c, _) = try await f.open()
      _ = try await c.ehlo()
      let reply = try await Self.send(
        c, mail: "<orig@sender.example> RET=FULL ENVID=QQ+2B1",
        rcpts: [
          "<alice@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a+2Bx@old.example",
          "<Bob@Example.test> NOTIFY=SUCCESS",
          // The same address again: reported once, with the first RCPT's ORCPT.
          "<bob@example.test> NOTIFY=SUCCESS ORCPT=rfc822;other@old.example",
          "<carol@example.test> NOTIFY=FAILURE",
        ])
      #expect(reply.hasPrefix("250 2.0.0"))
      let id = String(reply.split(separator: " ").last!)
      let reports = recorder.all
      #expect(reports.count == 1)
      let report = try #require(reports.first)
      #expect(report.id == id)
      #expect(report.sender == "orig@sender.example")
      #expect(report.envelopeID == "QQ+1")
      #expect(report.ret == .full)
      #expect(
        report.recipients == [
          .init(
            address: "alice@example.test",
            originalRecipient: .init(addressType: "rfc822", address: "a+x@old.example")),
          .init(address: "Bob@Example.test"),
        ])
      // The stored header without Return-Path: trace fields and the message's own, no body.
      let stored = try #require(try await f.inboxText(alice).first)
      let header = String(decoding: report.header, as: UTF8.self)
      #expect(header.hasPrefix("Received: from client.example.net"))
      #expect(header.hasSuffix("Date: Tue, 1 Jul 2003 10:52:37 +0200\r\n"))
      #expect(stored.hasPrefix("Return-Path: <orig@sender.example>\r\n" + header + "\r\n"))
      #expect(!header.contains("Hello Alice."))
      let now = Int64(Date().timeIntervalSince1970)
      #expect(abs(report.arrivalDate - now) < 3600, "arrival date is now, not a constant")
    }
  }

  @Test func noReportWithoutSuccessInNotify() async throws {
    let recorder = ReportRecorder()
    try await SMTPFixture.with(settings: recorder.settings()) { f in
      let alice = try await f.addUser("alice")
      let (c, _) = try await f.open()
      _ = try await c.ehlo()
      for notify in [" NOTIFY=FAILURE", " NOTIFY=FAILURE,DELAY", " NOTIFY=NEVER", ""] {
        let reply = try await Self.send(
          c, mail: "<orig@sender.example> ENVID=x", rcpts: ["<alice@example.test>\(notify)"])
        #expect(reply.hasPrefix("250"), "\(notify)")
      }
      #expect(try await f.inbox(alice).count == 4)
      #expect(recorder.all.isEmpty)
    }
  }

  @Test func noReportForTheNullSender() async throws {
    let recorder = ReportRecorder()
    try await SMTPFixture.with(settings: recorder.settings()) { f in
      let alice = try await f.addUser("alice")
      let (c, _) = try await f.open()
      _ = try await c.ehlo()
      let reply = try await Self.send(
        c, mail: "<> ENVID=bounce", rcpts: ["<alice@example.test> NOTIFY=SUCCESS"])
      #expect(reply.hasPrefix("250"))
      #expect(try await f.inbox(alice).count == 1)
      #expect(recorder.all.isEmpty)
    }
  }

  @Test func aliasesAreReportedExpandedAndTheirTargetsLoseSuccess() async throws {
    let recorder = ReportRecorder()
    try await SMTPFixture.with(settings: recorder.settings()) { f in
      let alice = try await f.addUser("alice")
      try await f.store.setAlias("fwd@example.test", targets: ["dave@remote.example"])
      try await f.store.setAlias(
        "team@example.test", targets: ["alice@example.test", "erin@remote.example"])
      let (c, _) = try await f.open()
      _ = try await c.ehlo()
      // An alias, whatever its targets: one "expanded" report for the address written
      // (RFC 3461 §6.2.7); its targets go on without SUCCESS, so no second report comes
      // from the local copy or from the next hop.
      #expect(
        try await Self.send(
          c, mail: "<o@sender.example>", rcpts: ["<fwd@example.test> NOTIFY=SUCCESS"]
        )
        .hasPrefix("250"))
      #expect(
        try await Self.send(
          c, mail: "<o@sender.example>",
          rcpts: ["<team@example.test> NOTIFY=SUCCESS,FAILURE", "<alice@example.test>"]
        ).hasPrefix("250"))
      #expect(
        recorder.all.map { $0.recipients.map(\.address) } == [
          ["fwd@example.test"], ["team@example.test"],
        ])
      #expect(recorder.all.allSatisfy { $0.recipients.allSatisfy(\.expanded) })
      #expect(try await f.inbox(alice).count == 1)
      let queued = try await f.store.queuedMessages()
      #expect(
        queued.flatMap { $0.recipients.map(\.params) } == [
          "NOTIFY=NEVER ORCPT=rfc822;fwd@example.test",
          "NOTIFY=FAILURE ORCPT=rfc822;team@example.test",
        ])
    }
  }

  @Test func onlyAnAddressThatGoesElsewhereCountsAsExpanded() {
    let alice = ResolvedAccount(id: AccountID(1), address: "alice@example.test")
    let bob = ResolvedAccount(id: AccountID(2), address: "bob@example.test")
    let cases: [(String, [ResolvedAccount], [String], Bool)] = [
      ("alice@example.test", [alice], [], true),
      ("Alice@Example.TEST", [alice], [], true),
      ("alice+lists@example.test", [alice], [], true),
      ("info@example.test", [alice], [], false),
      ("+x@example.test", [alice], [], false),
      ("team@example.test", [alice, bob], [], false),
      ("alice@example.test", [alice], ["alice@elsewhere.example"], false),
      ("dave@remote.example", [], ["dave@remote.example"], true),
      ("fwd@example.test", [], ["dave@remote.example"], false),
    ]
    for (written, local, remote, direct) in cases {
      #expect(Transaction.isDirect(written, local: local, remote: remote) == direct, "\(written)")
    }
  }

  @Test func aSpooledMessageByBDATIsReportedWithItsHeader() async throws {
    let recorder = ReportRecorder()
    try await SMTPFixture.with(settings: recorder.settings(memoryMessageLimit: 1024)) { f in
      try await f.addUser("alice")
      let (c, _) = try await f.open()
      _ = try await c.ehlo()
      var message = "Subject: large\r\nX-Test: spooled\r\n\r\n"
      for i in 0..<2000 { message += "line \(i) of a large message\r\n" }
      #expect(try await c.command("MAIL FROM:<o@sender.example>").hasPrefix("250"))
      #expect(try await c.command("RCPT TO:<alice@example.test> NOTIFY=SUCCESS").hasPrefix("250"))
      try await c.sendRaw("BDAT \(message.utf8.count) LAST\r\n\(message)")
      #expect(try await c.replyText().hasPrefix("250"))
      let report = try #require(recorder.all.first)
      let header = String(decoding: report.header, as: UTF8.self)
      #expect(header.hasPrefix("Received: "))
      #expect(header.hasSuffix("Subject: large\r\nX-Test: spooled\r\n"))
      #expect(f.spoolFiles().isEmpty)
    }
  }

  @Test func aRefusedMessageIsNotReported() async throws {
    let recorder = ReportRecorder()
    try await SMTPFixture.with(settings: recorder.settings()) { f in
      try await f.addUser("alice", quotaBytes: 10)
      let (c, _) = try await f.open()
      _ = try await c.ehlo()
      let reply = try await Self.send(
        c, mail: "<o@sender.example>", rcpts: ["<alice@example.test> NOTIFY=SUCCESS"])
      #expect(reply.hasPrefix("452") || reply.hasPrefix("552"), "over quota: \(reply)")
      #expect(recorder.all.isEmpty)
    }
  }

  @Test func headerFieldsKeepsWholeFieldsWithinTheLimit() {
    let message = Array("Received: a\r\nSubject: one\r\n two\r\nX: y\r\n\r\nbody\r\n".utf8)
    let all = MessageInspection.headerFields(message, from: 0, limit: 1000)
    #expect(
      String(decoding: all, as: UTF8.self) == "Received: a\r\nSubject: one\r\n two\r\nX: y\r\n")
    // Cut inside the folded Subject: only Received is whole.
    let cut = MessageInspection.headerFields(message, from: 0, limit: 25)
    #expect(String(decoding: cut, as: UTF8.self) == "Received: a\r\n")
    let later = MessageInspection.headerFields(message, from: 13, limit: 1000)
    #expect(String(decoding: later, as: UTF8.self) == "Subject: one\r\n two\r\nX: y\r\n")
    #expect(MessageInspection.headerFields(message, from: message.count, limit: 10).isEmpty)
  }
}
