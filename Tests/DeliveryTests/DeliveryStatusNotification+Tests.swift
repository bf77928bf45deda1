import Delivery
import MIME
import SMTPCore
import Testing

/// A parsed notification: its header, its three parts, and the status fields in blocks.
struct ParsedDSN {
  let bytes: [UInt8]
  let message: Message<[UInt8]>
  let parts: [MIMEPart]

  init(_ bytes: [UInt8]) throws {
    self.bytes = bytes
    message = Message(bytes)
    guard case .multipart(let parts) = message.structure.root.content else {
      throw TestFailure("not multipart: \(message.structure.root.contentType.mimeType)")
    }
    self.parts = parts
  }

  func header(_ name: String) -> String? {
    message.header().first(named: name)?.unfoldedValue(in: bytes)
  }

  func body(_ i: Int) -> String {
    String(decoding: bytes[parts[i].bodyRange], as: UTF8.self)
  }

  /// The message/delivery-status body as blocks of (name, value) fields.
  var statusBlocks: [[String: String]] {
    body(1).components(separatedBy: "\r\n\r\n").compactMap { block in
      var fields: [String: String] = [:]
      var last: String?
      for line in block.components(separatedBy: "\r\n") where !line.isEmpty {
        if line.first == " " || line.first == "\t", let last {
          fields[last]! += " " + line.trimmingCharacters(in: .whitespaces)
        } else if let colon = line.firstIndex(of: ":") {
          let name = String(line[..<colon])
          fields[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
          last = name
        }
      }
      return fields.isEmpty ? nil : fields
    }
  }
}

@Suite struct DeliveryStatusNotificationTests {
  func headerOnly(_ message: [UInt8]) -> [UInt8] {
    let h = Header.parse(message)
    return Array(message[0..<h.fields.last!.range.upperBound])
  }

  func report(_ recipients: [DeliveryStatusNotification.Recipient], header: [UInt8]? = nil)
    -> DeliveryStatusNotification
  {
    DeliveryStatusNotification(
      reportingMTA: "mail.a.test", sender: "alice@a.test", arrivalDate: 1_700_000_000,
      date: 1_700_000_600, recipients: recipients,
      originalHeader: header ?? headerOnly(sampleMessage()), envelopeID: "env-1",
      messageID: "<dsn.1@mail.a.test>", boundary: "BOUNDARY-1")
  }

  let rejected = DeliveryStatusNotification.Recipient(
    address: "bob@b.test", action: .failed,
    reply: DeliveryReply(
      Reply(550, EnhancedStatusCode(5, 1, 1), "No such user here"), from: "mx.b.test"),
    lastAttempt: 1_700_000_600)

  @Test func failureReportHasTheThreeParts() throws {
    let dsn = try ParsedDSN(report([rejected]).encoded())
    let root = dsn.message.structure.root
    #expect(root.contentType.mimeType == "multipart/report")
    #expect(root.contentType.parameter("report-type") == "delivery-status")
    #expect(dsn.header("From") == "Mail Delivery System <MAILER-DAEMON@mail.a.test>")
    #expect(dsn.header("To") == "<alice@a.test>")
    #expect(dsn.header("Message-ID") == "<dsn.1@mail.a.test>")
    #expect(dsn.header("Auto-Submitted") == "auto-replied")
    #expect(dsn.header("Date") == "Tue, 14 Nov 2023 22:23:20 +0000")
    #expect(
      dsn.parts.map(\.contentType.mimeType) == [
        "text/plain", "message/delivery-status", "text/rfc822-headers",
      ])

    // The human part quotes the remote reply.
    #expect(dsn.body(0).contains("<bob@b.test>:"))
    #expect(dsn.body(0).contains("mx.b.test said: 550 5.1.1 No such user here"))

    let blocks = dsn.statusBlocks
    #expect(blocks.count == 2)
    #expect(blocks[0]["Reporting-MTA"] == "dns; mail.a.test")
    #expect(blocks[0]["Arrival-Date"] == "Tue, 14 Nov 2023 22:13:20 +0000")
    #expect(blocks[0]["Original-Envelope-Id"] == "env-1")
    #expect(blocks[1]["Final-Recipient"] == "rfc822; bob@b.test")
    #expect(blocks[1]["Action"] == "failed")
    #expect(blocks[1]["Status"] == "5.1.1")
    #expect(blocks[1]["Remote-MTA"] == "dns; mx.b.test")
    #expect(blocks[1]["Diagnostic-Code"] == "smtp; 550 5.1.1 No such user here")
    #expect(blocks[1]["Last-Attempt-Date"] == "Tue, 14 Nov 2023 22:23:20 +0000")

    // The original header, whole and unchanged.
    let headers = Array(dsn.bytes[dsn.parts[2].bodyRange])
    let original = headerOnly(sampleMessage())
    #expect(headers.starts(with: original))
    #expect(!String(decoding: headers, as: UTF8.self).contains("Hi."))
    #expect(!report([rejected]).needsSMTPUTF8)
  }

  @Test func localFailuresAndExpiryGetTheirStatus() throws {
    let nullMX = DeliveryStatusNotification.Recipient(
      address: "x@null.test", action: .failed,
      reply: DeliveryReply(
        code: 556, enhancedCode: EnhancedStatusCode(5, 1, 10), text: "domain accepts no mail"),
      lastAttempt: 1_700_000_600)
    let expired = DeliveryStatusNotification.Recipient(
      address: "y@slow.test", action: .failed,
      reply: DeliveryReply(stored: "mx.slow.test said: 451 4.3.0 try later", permanent: false),
      lastAttempt: 1_700_000_600)
    let dsn = try ParsedDSN(report([nullMX, expired]).encoded())
    let blocks = dsn.statusBlocks
    #expect(blocks.count == 3)
    #expect(blocks[1]["Status"] == "5.1.10")
    #expect(blocks[1]["Remote-MTA"] == nil)
    #expect(blocks[1]["Diagnostic-Code"] == nil)
    #expect(blocks[2]["Status"] == "5.4.7")
    #expect(blocks[2]["Diagnostic-Code"] == "smtp; 451 4.3.0 try later")
    #expect(dsn.body(0).contains("556 5.1.10 domain accepts no mail"))
    #expect(dsn.body(0).contains("expired"))
  }

  @Test func delayWarning() throws {
    let delayed = DeliveryStatusNotification.Recipient(
      address: "bob@b.test", action: .delayed,
      reply: DeliveryReply(stored: "mx.b.test said: 421 4.7.0 busy", permanent: false),
      lastAttempt: 1_700_014_400, willRetryUntil: 1_700_432_000)
    let n = report([delayed])
    #expect(!n.isFailure)
    let dsn = try ParsedDSN(n.encoded())
    #expect(dsn.header("Subject")?.contains("Delayed") == true)
    let blocks = dsn.statusBlocks
    #expect(blocks[1]["Action"] == "delayed")
    #expect(blocks[1]["Status"] == "4.7.0")
    #expect(blocks[1]["Will-Retry-Until"] == "Sun, 19 Nov 2023 22:13:20 +0000")
  }

  @Test func utf8RecipientsAndHeadersUseTheGlobalTypes() throws {
    let utf8 = DeliveryStatusNotification.Recipient(
      address: "bøb@b.test", action: .failed,
      reply: DeliveryReply(Reply(550, EnhancedStatusCode(5, 1, 1), "unknown"), from: "mx.b.test"),
      lastAttempt: 1_700_000_600)
    let header = "From: Ålice <alice@a.test>\r\nSubject: héllo\r\n".bytes
    let n = report([utf8], header: header)
    #expect(n.needsSMTPUTF8)
    let dsn = try ParsedDSN(n.encoded())
    #expect(
      dsn.parts.map(\.contentType.mimeType) == [
        "text/plain", "message/global-delivery-status", "message/global-headers",
      ])
    #expect(dsn.statusBlocks[1]["Final-Recipient"] == "utf-8; bøb@b.test")
  }

  @Test func retFullReturnsTheMessageAsMessageRFC822() throws {
    var n = report([rejected])
    let original = sampleMessage(body: "Caf\u{e9} au lait.")
    n.returnedMessage = original
    let dsn = try ParsedDSN(n.encoded())
    #expect(dsn.parts[2].contentType.mimeType == "message/rfc822")
    #expect(dsn.parts[2].transferEncoding == .eightBit, "8-bit content is labelled")
    let inner = try #require(dsn.parts[2].encapsulatedMessage)
    #expect(Array(dsn.bytes[inner.headerRange.lowerBound..<inner.bodyRange.upperBound]) == original)
    #expect(dsn.body(0).contains("Your message is attached below."))
  }

  @Test func onlyFailureReportsWithinTheCapReturnTheWholeMessage() {
    typealias DSN = DeliveryStatusNotification
    #expect(DSN.returnsFullMessage(ret: .full, failure: true, size: 1000))
    #expect(DSN.returnsFullMessage(ret: .full, failure: true, size: DSN.returnedMessageLimit))
    #expect(!DSN.returnsFullMessage(ret: .full, failure: true, size: DSN.returnedMessageLimit + 1))
    #expect(!DSN.returnsFullMessage(ret: .full, failure: false, size: 1000))
    #expect(!DSN.returnsFullMessage(ret: .headers, failure: true, size: 1000))
    #expect(!DSN.returnsFullMessage(ret: nil, failure: true, size: 1000))
    #expect(DSN.returnsFullMessage(ret: .full, failure: true, size: 5000, limit: 5000))
    #expect(!DSN.returnsFullMessage(ret: .full, failure: true, size: 5001, limit: 5000))
  }

  @Test func relayReportAndOriginalRecipient() throws {
    let relayed = DeliveryStatusNotification.Recipient(
      address: "bob@b.test", action: .relayed,
      reply: DeliveryReply(Reply(250, nil, "queued"), from: "mx.b.test"),
      lastAttempt: 1_700_000_600,
      originalRecipient: .init(addressType: "rfc822", address: "bobby@a.test"))
    let n = report([relayed])
    #expect(n.isSuccess && !n.isFailure)
    let dsn = try ParsedDSN(n.encoded())
    #expect(dsn.header("Subject") == "Successful mail delivery report")
    let blocks = dsn.statusBlocks
    #expect(blocks[1]["Original-Recipient"] == "rfc822;bobby@a.test")
    #expect(blocks[1]["Action"] == "relayed")
    #expect(blocks[1]["Status"] == "2.0.0")
    #expect(dsn.body(0).contains("does not send delivery notifications"))
    // The field order of RFC 3464 §2.3: Original-Recipient before Final-Recipient.
    let text = dsn.body(1)
    let o = try #require(text.range(of: "Original-Recipient:"))
    let f = try #require(text.range(of: "Final-Recipient:"))
    #expect(o.lowerBound < f.lowerBound)

    var utf8 = relayed
    utf8.originalRecipient = .init(addressType: "utf-8", address: "bøb@a.test")
    #expect(report([utf8]).needsSMTPUTF8, "a UTF-8 ORCPT needs the global status type")
  }
}
