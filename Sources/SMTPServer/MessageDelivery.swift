import Auth
import Foundation
import MIME
import SMTPCore
import Storage

/// What the server reads from a received message before storing it: the MIME structure
/// (cached with the body for IMAP), the From: addresses (for the spoofing check) and, when
/// a "delivered" notification will be due, the header fields it returns.
struct MessageInspection: Sendable {
  var metadata: [UInt8]?
  /// The From: mailboxes as `local@domain`, lower case; nil when there is no From: field.
  /// A From: field without any usable mailbox gives `[""]`, which nobody owns.
  var from: [String]?
  /// The header fields from `headerFrom` on (`headerFields`); nil when not asked for.
  var header: [UInt8]?

  /// Inspects `source`, whose message (after the prefix) starts at `messageStart`; keeps
  /// the header fields from offset `headerFrom` on when it is given.
  static func inspect(_ source: some ByteSource, messageStart: Int, headerFrom: Int? = nil)
    -> MessageInspection
  {
    let structure = MessageStructure.parse(source)
    let metadata = try? JSONEncoder().encode(structure)
    let header = Header.parse(source, in: messageStart..<source.count)
    let fields = header.fields(named: "From")
    var from: [String]?
    if !fields.isEmpty {
      var addresses: [String] = []
      for field in fields {
        let value = source.bytes(in: field.valueRange)
        let found = Address.parseList(value).allMailboxes.compactMap { m -> String? in
          guard let domain = m.domain, !m.localPart.isEmpty else { return nil }
          return (m.localPart + "@" + domain).lowercased()
        }
        addresses += found.isEmpty ? [""] : found
      }
      from = addresses
    }
    return MessageInspection(
      metadata: metadata.map { Array($0) }, from: from,
      header: headerFrom.map { headerFields(source, from: $0, limit: DeliveredReport.headerLimit) })
  }

  /// The complete header fields of `source` from offset `start` on, in at most `limit`
  /// octets (a field cut by the limit is left out); empty when there are none.
  static func headerFields(_ source: some ByteSource, from start: Int, limit: Int) -> [UInt8] {
    let end = min(source.count, start + limit)
    guard end > start else { return [] }
    let header = Header.parse(source, in: start..<end)
    var fields = header.fields[...]
    if !header.endsWithBlankLine && end < source.count { fields = fields.dropLast() }
    guard let last = fields.last else { return [] }
    return source.bytes(in: start..<last.range.upperBound)
  }
}

extension SMTPSession {
  /// The sink for a message of `transaction`, with the header fields it will get.
  func makeSink(for transaction: Transaction) -> MessageSink {
    let trace = TraceFields.Session(
      helo: state.helloName, extended: state.isExtended, client: client, host: hostName,
      tls: tls, authenticated: user != nil, smtputf8: transaction.parameters.smtputf8)
    let plan = PrefixPlan(
      returnPath: transaction.local.isEmpty ? [] : TraceFields.returnPath(transaction.sender),
      received: TraceFields.received(
        trace, id: transaction.id,
        recipient: transaction.recipients.count == 1 ? transaction.recipients[0] : nil),
      submissionHost: user != nil ? hostName : nil)
    return MessageSink(
      memoryLimit: settings.memoryMessageLimit, spool: environment.spool, plan: plan)
  }

  /// After the end of data: refuses what must be refused, then stores the message for
  /// every local recipient and queues it for remote ones in one store transaction. The
  /// final `250` is said only once that transaction is durable; any failure before keeps
  /// nothing.
  func finishMessage(facts: MessageFacts, chunked: Bool) async -> Reply {
    guard let transaction, let message = transaction.message else {
      return .localError
    }
    defer { self.transaction?.message = nil }
    if let refusal = contentRefusal(facts, chunked: chunked) {
      await message.sink.discard()
      logRejection(refusal.reply, reason: refusal.reason, facts: facts)
      return refusal.reply
    }
    let received: ReceivedMessage
    switch await message.sink.finish() {
    case .success(let m): received = m
    case .failure(let error):
      await message.sink.discard()
      logger.error("smtp-spool-failed", ("id", transaction.id), ("error", "\(error)"))
      if case .diskFull = error { return .diskFull }
      return .localError
    }
    let inspection: MessageInspection?
    let source: MessageSource
    let prefix: MessagePrefix
    let prepared = await signed(received, id: transaction.id)
    let reporting = deliveredReportDue(transaction)
    switch prepared {
    case .memory(let bytes, let p):
      inspection = .inspect(
        bytes, messageStart: p.bytes.count, headerFrom: reporting ? p.localOnly : nil)
      source = .bytes(bytes)
      prefix = p
    case .file(let file, _, let p):
      let path = file.path
      let start = p.bytes.count
      let headerFrom = reporting ? p.localOnly : nil
      inspection = await environment.spool.run {
        (try? MappedFile(path: path)).map {
          .inspect($0, messageStart: start, headerFrom: headerFrom)
        }
      }
      source = .file(path: path)
      prefix = p
    }
    let reply: Reply
    if let inspection {
      if let refusal = await fromRefusal(inspection.from) {
        logRejection(refusal, reason: "from not owned", facts: facts)
        reply = refusal
      } else {
        reply = await store(
          transaction, source: source, prefix: prefix, metadata: inspection.metadata,
          facts: facts, header: inspection.header)
      }
    } else {
      logger.error("smtp-spool-failed", ("id", transaction.id), ("error", "cannot map spool file"))
      reply = .localError
    }
    await received.spoolFile?.remove()
    if let copy = prepared.spoolFile, copy !== received.spoolFile { await copy.remove() }
    return reply
  }

  /// The message with `SMTPSettings.signer`'s fields inserted after the local-only prefix
  /// (so the queue sends them), for an authenticated user's message; otherwise unchanged.
  /// Signing (an RSA signature, a pass over the body) runs on the spool's threads, never
  /// on the session's. A spooled message is signed through a mapping and copied into a
  /// new spool file with the fields inserted, piece by piece; the caller removes both
  /// files. When signing is not possible the message goes unsigned, as the signer's own
  /// failures do.
  private func signed(_ received: ReceivedMessage, id: String) async -> ReceivedMessage {
    guard user != nil, let signer = settings.signer else { return received }
    switch received {
    case .memory(let bytes, let prefix):
      let fields = await environment.spool.run { bytes.withUnsafeBytes { signer($0) } }
      guard let fields, !fields.isEmpty else { return received }
      let split = min(prefix.localOnly, bytes.count)
      return .memory(
        Array(bytes[..<split]) + fields + Array(bytes[split...]),
        prefix: prefix.inserting(fields, at: split))
    case .file(let file, let size, let prefix):
      let path = file.path
      let fields = await environment.spool.run { () -> [UInt8]? in
        guard let mapped = try? MappedFile(path: path) else { return nil }
        return mapped.withBytes { signer($0) }
      }
      guard let fields, !fields.isEmpty else { return received }
      let split = min(prefix.localOnly, size)
      do throws(SpoolError) {
        let copy = try await environment.spool.create()
        do throws(SpoolError) {
          try await copy.copy(from: path, inserting: fields, at: split)
        } catch {
          await copy.remove()
          throw error
        }
        return .file(copy, size: size + fields.count, prefix: prefix.inserting(fields, at: split))
      } catch {
        logger.error("smtp-sign-copy-failed", ("id", id), ("error", "\(error)"))
        return received
      }
    }
  }

  /// Bare CR/LF (DATA only: BDAT is framed by counts, so nothing can be smuggled, and the
  /// outbound side rewrites line ends anyway), size, loops, long lines — in that order.
  private func contentRefusal(_ facts: MessageFacts, chunked: Bool) -> (
    reply: Reply, reason: String
  )? {
    if !chunked && facts.hasBareLineEnding { return (.smuggling, "bare CR or LF") }
    if facts.size > limits.maxMessageSize { return (.messageTooBig, "message size") }
    if facts.receivedCount > limits.maxReceivedHeaders { return (.loopDetected, "mail loop") }
    if limits.rejectLongTextLines && facts.longestLine > limits.maxTextLineLength {
      return (.lineTooLongInData, "line too long")
    }
    return nil
  }

  /// The spoofing check on From: for an authenticated user (a message without From: is
  /// not a spoof).
  private func fromRefusal(_ from: [String]?) async -> Reply? {
    guard let user, settings.requireSenderOwnership, let from else { return nil }
    for address in from {
      switch await ownership(of: address, by: user) {
      case .owned: continue
      case .notOwned: return .senderNotOwned
      case .unavailable: return .localError
      }
    }
    return nil
  }

  /// Whether storing `transaction`'s message will owe its sender a success notification
  /// that can be sent: a recipient delivered here or expanded as an alias asked for
  /// `NOTIFY=SUCCESS`, and the sender is not `<>` (RFC 5321 §4.5.5: never a report about a
  /// report).
  func deliveredReportDue(_ transaction: Transaction) -> Bool {
    settings.reportDelivered != nil && transaction.sender.mailbox != nil
      && !transaction.notifySuccess.isEmpty
  }

  /// One `deliver`: local copies (with `Return-Path:`) and the queue entry (without it);
  /// then the "delivered" notification, when one is due (`header` is then the header it
  /// returns).
  private func store(
    _ transaction: Transaction, source: MessageSource, prefix: MessagePrefix,
    metadata: [UInt8]?, facts: MessageFacts, header: [UInt8]?
  ) async -> Reply {
    let targets = transaction.local.map { DeliveryTarget(account: $0.id) }
    var outbound: OutboundEnvelope?
    if !transaction.remote.isEmpty {
      let params = OutboundParameters(
        skip: prefix.localOnly, body: transaction.parameters.body,
        smtputf8: transaction.parameters.smtputf8, submitter: user?.address,
        ret: transaction.parameters.ret, envelopeID: transaction.parameters.envelopeID)
      outbound = OutboundEnvelope(
        sender: transaction.queueSender, recipients: transaction.remote, params: params.encoded,
        recipientParams: transaction.remoteParams)
    }
    let delivery = Delivery(
      body: source, targets: targets, outbound: outbound, metadata: metadata)
    let receipt: DeliveryReceipt
    do {
      receipt = try await store.deliver(delivery)
    } catch {
      let reply: Reply
      switch error {
      case .overQuota: reply = .overQuotaTemp
      case .diskFull: reply = .diskFull
      default:
        reply = .localError
        logger.error("smtp-deliver-failed", ("id", transaction.id), ("error", "\(error)"))
      }
      logRejection(reply, reason: "store: \(error)", facts: facts)
      return reply
    }
    accepted += 1
    if outbound != nil, let onQueued = settings.onQueued { onQueued() }
    if let header, let report = settings.reportDelivered, deliveredReportDue(transaction) {
      // A second commit (the store takes one body per transaction): before the `250`, so a
      // crash between the two makes the client send again rather than lose the report.
      await report(
        DeliveredReport(
          id: transaction.id, sender: transaction.queueSender,
          envelopeID: transaction.parameters.envelopeID, ret: transaction.parameters.ret,
          arrivalDate: Int64(Date().timeIntervalSince1970),
          recipients: transaction.notifySuccess, header: header))
    }
    logger.info(
      "smtp-accepted", ("id", transaction.id),
      ("from", String(transaction.sender.description.prefix(300))),
      ("rcpts", "\(transaction.recipients.count)"), ("size", "\(facts.size)"),
      ("local", "\(targets.count)"), ("remote", "\(transaction.remote.count)"),
      ("queue", receipt.queueID.map { "\($0)" } ?? "-"))
    return .accepted(id: transaction.id)
  }

  private func logRejection(_ reply: Reply, reason: String, facts: MessageFacts) {
    var fields = [
      ("stage", "data"), ("code", Self.codeText(reply)), ("reason", reason),
      ("size", "\(facts.size)"),
    ]
    if let transaction {
      fields += [
        ("id", transaction.id), ("from", String(transaction.sender.description.prefix(300))),
      ]
    }
    logger.log(.info, "smtp-rejected", fields)
  }
}
