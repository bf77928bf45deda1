import SMTPCore

/// MAIL, RCPT and DATA: the transactions of one session.
extension SMTPClient {
  /// Sends the message to every recipient still without an outcome, in transactions of
  /// at most `maxRecipientsPerTransaction` recipients. Recipients refused with 452 (too
  /// many recipients, RFC 5321 §4.5.3.1.10) go into the next transaction when the
  /// current one accepted someone.
  func transactions(
    _ message: OutboundMessage, paths: [ForwardPath?], dsn: [RcptParameters], ext: EHLOResponse,
    conn: ClientConnection, host: RouteHost, progress: inout Progress
  ) async throws(SessionFailure) {
    let name = host.name
    var pending = progress.outcomes.indices.filter { progress.outcomes[$0] == nil }
    guard !pending.isEmpty else { return }
    let sender: ReversePath
    if message.sender.isEmpty {
      sender = .null
    } else if let m = SMTPCore.Mailbox.parse(message.sender) {
      sender = .mailbox(m)
    } else {
      progress.settle(
        pending, .failed(.local(553, (5, 1, 7), "bad sender address syntax: \(message.sender)")))
      return
    }
    // RFC 6531 §3.2: no SMTPUTF8, no UTF-8 envelope or header.
    if !ext.smtputf8 {
      if message.headerNeedsSMTPUTF8 || !sender.isASCII {
        let why = message.headerNeedsSMTPUTF8 ? "UTF-8 header fields" : "a UTF-8 sender address"
        progress.settle(
          pending,
          .failed(
            .local(
              554, (5, 6, 9),
              "\(name) does not support SMTPUTF8, and the message has \(why) (RFC 6531)")))
        return
      }
      for i in pending where !(paths[i]?.isASCII ?? true) {
        progress.outcomes[i] = .failed(
          .local(
            553, (5, 6, 7),
            "\(name) does not support SMTPUTF8, which this UTF-8 address needs (RFC 6531)"))
      }
      pending.removeAll { progress.outcomes[$0] != nil }
    }
    var message = message
    if !ext.eightBitMIME {
      switch try await sevenBit(message) {
      case .success(let converted):
        message = converted
      case .failure(let error):
        logger?.warning("delivery-downgrade-failed", ("host", name), ("reason", "\(error)"))
        progress.settle(
          pending,
          .failed(
            .local(
              554, (5, 6, 3),
              "\(name) does not support 8BITMIME, and the message cannot be converted to 7 bits: \(error)"
            )))
        return
      }
    }
    // RFC 1870 §6: a message over the declared limit would be refused after the data.
    if let limit = ext.size, limit > 0, message.body.size > limit {
      progress.settle(
        pending,
        .failed(
          .local(
            552, (5, 3, 4),
            "message of \(message.body.size) octets exceeds the limit of \(name) (\(limit) octets)"
          )))
      return
    }
    var needsReset = false
    while !pending.isEmpty {
      let batch = Array(pending.prefix(maxRecipientsPerTransaction))
      pending.removeFirst(batch.count)
      if needsReset {
        _ = try await conn.exchange(.rset, timeout: timeouts.command)
      }
      let result = try await transaction(
        message, sender: sender, batch: batch, paths: paths, dsn: dsn, ext: ext, conn: conn,
        host: host, progress: &progress)
      needsReset = !result.completed
      if result.completed {
        pending = result.tooMany.map(\.index) + pending
      } else {
        for (i, reply) in result.tooMany {
          progress.outcomes[i] = .deferred(DeliveryReply(reply, from: name), retryElsewhere: true)
        }
      }
    }
  }

  struct TransactionResult {
    /// The data was accepted for at least one recipient.
    var completed: Bool
    /// Recipients refused with 452, to try in another transaction.
    var tooMany: [(index: Int, reply: Reply)]
  }

  private func transaction(
    _ message: OutboundMessage, sender: ReversePath, batch: [Int], paths: [ForwardPath?],
    dsn: [RcptParameters], ext: EHLOResponse, conn: ClientConnection, host: RouteHost,
    progress: inout Progress
  ) async throws(SessionFailure) -> TransactionResult {
    let name = host.name
    let needsUTF8 =
      message.headerNeedsSMTPUTF8 || !sender.isASCII
      || batch.contains { !(paths[$0]?.isASCII ?? true) }
    // RFC 3461 §5.2.1: DSN parameters go only to a server that offers DSN; to one that does
    // not, the queue reports "relayed" itself for NOTIFY=SUCCESS.
    let parameters = MailParameters(
      size: ext.size != nil ? message.body.size : nil,
      body: ext.eightBitMIME ? message.bodyType : nil,
      smtputf8: ext.smtputf8 && (needsUTF8 || message.requestsSMTPUTF8),
      ret: ext.dsn ? message.ret : nil, envelopeID: ext.dsn ? message.envelopeID : nil)
    let mail = Command.mail(sender, parameters)
    let rcpts = batch.map { Command.rcpt(paths[$0]!, ext.dsn ? dsn[$0] : RcptParameters()) }

    let mailReply: Reply
    var rcptReplies: [Reply] = []
    var dataReply: Reply?
    if ext.pipelining {
      // RFC 2920 §3.1: MAIL, every RCPT and DATA in one write; replies come in order.
      var group = mail.encoded()
      for r in rcpts { group += r.encoded() }
      group += Command.data.encoded()
      try await conn.send(group, stage: "MAIL")
      mailReply = try await conn.readReply(timeout: timeouts.mail, stage: "MAIL")
      for _ in rcpts {
        rcptReplies.append(try await conn.readReply(timeout: timeouts.rcpt, stage: "RCPT"))
      }
      dataReply = try await conn.readReply(timeout: timeouts.dataInitiation, stage: "DATA")
    } else {
      mailReply = try await conn.exchange(mail, timeout: timeouts.mail)
      if mailReply.isPositiveCompletion {
        for r in rcpts { rcptReplies.append(try await conn.exchange(r, timeout: timeouts.rcpt)) }
      }
    }

    guard mailReply.isPositiveCompletion else {
      progress.settle(batch, outcome(for: mailReply, from: name))
      try await closeUnwantedData(dataReply, conn: conn)
      return TransactionResult(completed: false, tooMany: [])
    }
    var accepted: [Int] = []
    var tooMany: [(index: Int, reply: Reply)] = []
    for (i, reply) in zip(batch, rcptReplies) {
      if reply.isPositiveCompletion {
        accepted.append(i)
      } else if reply.code == 452 {
        tooMany.append((i, reply))
      } else {
        progress.outcomes[i] = outcome(for: reply, from: name)
      }
    }
    guard !accepted.isEmpty else {
      try await closeUnwantedData(dataReply, conn: conn)
      return TransactionResult(completed: false, tooMany: tooMany)
    }
    let go: Reply
    if let dataReply {
      go = dataReply
    } else {
      go = try await conn.exchange(.data, timeout: timeouts.dataInitiation)
    }
    guard go.code == 354 else {
      progress.settle(accepted, outcome(for: go, from: name))
      return TransactionResult(completed: false, tooMany: tooMany)
    }
    try await sendData(message.body, conn: conn, awaiting: accepted, progress: &progress)
    let final = try await conn.readReply(timeout: timeouts.dataTermination, stage: "end of data")
    progress.awaitingFinalReply.subtract(accepted)
    progress.settle(accepted, outcome(for: final, from: name))
    logger?.debug(
      "delivery-transaction", ("host", name), ("accepted", "\(accepted.count)"),
      ("reply", final.description))
    return TransactionResult(completed: final.isPositiveCompletion, tooMany: tooMany)
  }

  /// Streams the body dot-stuffed (RFC 5321 §4.5.2) in writes of about 64 KiB, then the
  /// final dot. From the moment that dot is written the recipients may have the message.
  private func sendData(
    _ body: MessageBody, conn: ClientConnection, awaiting: [Int], progress: inout Progress
  ) async throws(SessionFailure) {
    var stuffer = DotStuffer()
    var out: [UInt8] = []
    do {
      try await body.produce { chunk in
        stuffer.encode(chunk, into: &out)
        if out.count >= 64 * 1024 {
          try await conn.send(out, stage: "message data")
          out.removeAll(keepingCapacity: true)
        }
      }
    } catch let failure as SessionFailure {
      throw failure
    } catch {
      throw .source("\(error)")
    }
    stuffer.finish(into: &out)
    progress.awaitingFinalReply.formUnion(awaiting)
    try await conn.send(out, stage: "message data")
  }

  /// After a pipelined DATA that a server answered with 354 although no recipient was
  /// accepted, ends the empty message so the session stays in step.
  private func closeUnwantedData(_ dataReply: Reply?, conn: ClientConnection)
    async throws(SessionFailure)
  {
    guard dataReply?.code == 354 else { return }
    try await conn.send(Array(".\r\n".utf8), stage: "DATA")
    _ = try await conn.readReply(timeout: timeouts.dataTermination, stage: "end of data")
  }

  /// The message as a server without 8BITMIME may take it (RFC 6152 §3): unchanged when its
  /// body has no 8-bit octet (checked while streaming, without holding it), otherwise read
  /// whole and converted by `EightBitDowngrade`.
  private func sevenBit(_ message: OutboundMessage) async throws(SessionFailure)
    -> Result<OutboundMessage, EightBitDowngrade.Failure>
  {
    var eightBit = false
    do {
      try await message.body.produce { chunk in
        if !eightBit { eightBit = EightBitDowngrade.hasEightBit(chunk) }
      }
    } catch {
      throw .source("\(error)")
    }
    guard eightBit else { return .success(message) }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(message.body.size)
    do {
      try await message.body.produce { bytes += $0 }
    } catch {
      throw .source("\(error)")
    }
    do throws(EightBitDowngrade.Failure) {
      var converted = message
      converted.body = .bytes(try EightBitDowngrade.convert(bytes))
      logger?.info(
        "delivery-8bit-converted", ("octets", "\(bytes.count)"),
        ("converted", "\(converted.body.size)"))
      return .success(converted)
    } catch {
      return .failure(error)
    }
  }

  /// 2xx delivered, 5xx failed, anything else deferred (another host may be tried).
  func outcome(for reply: Reply, from host: String) -> RecipientOutcome {
    let r = DeliveryReply(reply, from: host)
    if reply.isPositiveCompletion { return .delivered(r) }
    if reply.isPermanentFailure { return .failed(r) }
    return .deferred(r, retryElsewhere: true)
  }
}
