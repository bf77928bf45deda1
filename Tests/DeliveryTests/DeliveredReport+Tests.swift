import Delivery
import Log
import MIME
import SMTPCore
import Storage
import Testing

/// "Delivered" notifications (RFC 3461 §5.2.2, RFC 3464): the report's fields, and
/// `DeliveredNotifier` sending it the way bounces go.
@Suite struct DeliveredReportTests {
  static let header = Array(
    "Received: from c.example by mx.a.test; Tue, 14 Nov 2023 22:13:20 +0000\r\nFrom: <o@b.test>\r\nSubject: hi\r\n"
      .utf8)

  static let recipients: [DeliveryStatusNotification.Recipient] = [
    .handledHere(
      .delivered, address: "alice@a.test",
      originalRecipient: .init(addressType: "rfc822", address: "team@a.test"),
      at: 1_700_000_000),
    .handledHere(.delivered, address: "Bob@a.test", at: 1_700_000_000),
  ]

  @Test func deliveredReportFields() throws {
    let n = DeliveryStatusNotification(
      reportingMTA: "mail.a.test", sender: "o@b.test", arrivalDate: 1_700_000_000,
      date: 1_700_000_005, recipients: Self.recipients, originalHeader: Self.header,
      envelopeID: "env-1", messageID: "<dsn.1@mail.a.test>", boundary: "BOUNDARY-1")
    #expect(n.isSuccess && !n.isFailure)
    let dsn = try ParsedDSN(n.encoded())
    #expect(dsn.header("To") == "<o@b.test>")
    #expect(dsn.header("Subject") == "Successful mail delivery report")
    #expect(
      dsn.parts.map(\.contentType.mimeType) == [
        "text/plain", "message/delivery-status", "text/rfc822-headers",
      ])
    #expect(dsn.body(0).contains("delivered to the mailbox"))
    #expect(!dsn.body(0).contains("does not send delivery notifications"))
    #expect(dsn.body(0).contains("<Bob@a.test>:"))

    let blocks = dsn.statusBlocks
    #expect(blocks.count == 3)
    #expect(blocks[0]["Reporting-MTA"] == "dns; mail.a.test")
    #expect(blocks[0]["Original-Envelope-Id"] == "env-1")
    #expect(blocks[0]["Arrival-Date"] == "Tue, 14 Nov 2023 22:13:20 +0000")
    #expect(blocks[1]["Original-Recipient"] == "rfc822;team@a.test")
    #expect(blocks[1]["Final-Recipient"] == "rfc822; alice@a.test")
    #expect(blocks[1]["Action"] == "delivered")
    #expect(blocks[1]["Status"] == "2.0.0")
    #expect(blocks[1]["Remote-MTA"] == nil && blocks[1]["Diagnostic-Code"] == nil)
    #expect(blocks[2]["Original-Recipient"] == nil)
    #expect(blocks[2]["Final-Recipient"] == "rfc822; Bob@a.test")
    #expect(blocks[2]["Action"] == "delivered")
    #expect(blocks[2]["Status"] == "2.0.0")
    #expect(Array(dsn.bytes[dsn.parts[2].bodyRange]).starts(with: Self.header))
  }

  @Test func expandedAliasReportFields() throws {
    let n = DeliveryStatusNotification(
      reportingMTA: "mail.a.test", sender: "o@b.test", arrivalDate: 1_700_000_000,
      date: 1_700_000_005,
      recipients: [
        .handledHere(.expanded, address: "team@a.test", at: 1_700_000_000),
        .handledHere(.delivered, address: "alice@a.test", at: 1_700_000_000),
      ],
      originalHeader: Self.header, envelopeID: nil, messageID: "<dsn.2@mail.a.test>",
      boundary: "BOUNDARY-2")
    #expect(n.isSuccess && !n.isFailure)
    let dsn = try ParsedDSN(n.encoded())
    #expect(dsn.body(0).contains("which forward mail to others"))
    #expect(dsn.body(0).contains("delivered to the mailbox"))
    let blocks = dsn.statusBlocks
    #expect(blocks.count == 3)
    #expect(blocks[1]["Final-Recipient"] == "rfc822; team@a.test")
    #expect(blocks[1]["Action"] == "expanded")
    #expect(blocks[1]["Status"] == "2.0.0")
    #expect(blocks[1]["Remote-MTA"] == nil && blocks[1]["Diagnostic-Code"] == nil)
    #expect(blocks[2]["Action"] == "delivered")
    #expect(OutboundRecipient("x@a.test", dsn: RcptParameters(notify: .success)).wants(.expanded))
    #expect(!OutboundRecipient("x@a.test", dsn: RcptParameters(notify: .failure)).wants(.expanded))
  }

  @Test func onlyNotifySuccessWantsADeliveredReport() {
    func wants(_ notify: RcptParameters.Notify?) -> Bool {
      OutboundRecipient("x@a.test", dsn: RcptParameters(notify: notify)).wants(.delivered)
    }
    #expect(wants([.success]))
    #expect(wants([.success, .failure, .delay]))
    #expect(!wants(nil))
    #expect(!wants(.never))
    #expect(!wants([.failure, .delay]))
    // RET=FULL returns the message in failure reports only (RFC 3461 §4.3).
    #expect(
      !DeliveryStatusNotification.returnsFullMessage(ret: .full, failure: false, size: 10))
  }

  @Test func aRemoteSenderGetsOneReportInTheQueue() async throws {
    let clock = TestClock()
    try await withStore(clock: clock) { store, _ in
      let (logger, sink) = capturingLogger()
      let notifier = DeliveredNotifier(
        store: store, hostname: "mail.a.test", logger: logger, clock: clock.read)
      let queued = await notifier.notify(
        sender: "o@b.test", recipients: Self.recipients, arrivalDate: 1_699_999_990,
        header: Self.header, envelopeID: "env-1", id: "T1")
      #expect(queued)
      let messages = try await store.queuedMessages()
      #expect(messages.count == 1)
      let m = try #require(messages.first)
      #expect(m.sender == "", "a report goes from the null sender")
      #expect(m.recipients.map(\.address) == ["o@b.test"])
      let params = QueueParameters(decoding: m.params)
      #expect(params.skip == 17, "the local-only Return-Path: <> is skipped")
      let body = try await store.bodyBytes(m.body)
      #expect(body.starts(with: Array("Return-Path: <>\r\n".utf8)))
      let dsn = try ParsedDSN(Array(body.dropFirst(params.skip)))
      #expect(dsn.header("Date") == "Tue, 14 Nov 2023 22:13:20 +0000", "the notifier's clock")
      let blocks = dsn.statusBlocks
      #expect(blocks[0]["Original-Envelope-Id"] == "env-1")
      #expect(blocks[0]["Arrival-Date"] == "Tue, 14 Nov 2023 22:13:10 +0000")
      #expect(blocks.dropFirst().map { $0["Action"] } == ["delivered", "delivered"])
      #expect(blocks.dropFirst().map { $0["Status"] } == ["2.0.0", "2.0.0"])
      #expect(
        sink.lines.filter { $0.contains("event=delivered-notice-sent") && $0.contains("id=T1") }
          .count == 1)
    }
  }

  @Test func aLocalSenderGetsTheReportInTheirMailbox() async throws {
    try await withStore { store, alice in
      let notifier = DeliveredNotifier(store: store, hostname: "mail.a.test", logger: nil)
      let queued = await notifier.notify(
        sender: "alice@a.test",
        recipients: [.handledHere(.delivered, address: "carol@a.test", at: 1_700_000_000)],
        arrivalDate: 1_700_000_000, header: Self.header, envelopeID: nil, id: "T2")
      #expect(!queued)
      #expect(try await store.queuedMessages().isEmpty)
      let inbox = try await store.inboxMessages(alice.id)
      #expect(inbox.count == 1)
      let stored = try #require(inbox.first)
      #expect(stored.starts(with: Array("Return-Path: <>\r\n".utf8)))
      let dsn = try ParsedDSN(Array(stored.dropFirst(17)))
      #expect(dsn.statusBlocks[0]["Original-Envelope-Id"] == nil)
      #expect(dsn.statusBlocks[1]["Final-Recipient"] == "rfc822; carol@a.test")
      #expect(dsn.statusBlocks[1]["Action"] == "delivered")
    }
  }

  @Test func noReportForTheNullSenderOrWithoutRecipients() async throws {
    try await withStore { store, alice in
      let notifier = DeliveredNotifier(store: store, hostname: "mail.a.test", logger: nil)
      let fromNull = await notifier.notify(
        sender: "", recipients: Self.recipients, arrivalDate: 0, header: Self.header,
        envelopeID: nil, id: "T3")
      let toNobody = await notifier.notify(
        sender: "o@b.test", recipients: [], arrivalDate: 0, header: Self.header,
        envelopeID: nil, id: "T4")
      #expect(!fromNull && !toNobody)
      let queue = try await store.queuedMessages()
      let inbox = try await store.inboxMessages(alice.id)
      #expect(queue.isEmpty && inbox.isEmpty)
    }
  }
}
