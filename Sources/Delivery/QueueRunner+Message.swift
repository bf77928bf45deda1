import SMTPCore
import Storage

/// One pass over one queued message.
extension QueueRunner {
  /// Attempts every due recipient of `message` and records the outcomes.
  func process(_ message: QueuedMessage) async {
    let now = settings.clock()
    let due = message.recipients.filter { Self.isDue($0, at: now) }
    guard !due.isEmpty else { return }
    let params = QueueParameters(decoding: message.params)
    let skip = min(Int64(params.skip), message.size)
    let header = await QueueReport.originalHeader(
      of: message, in: store, limit: settings.bounceHeaderLimit)
    let outbound = OutboundMessage(
      sender: message.sender,
      body: .stored(store, body: message.body, offset: skip, size: message.size),
      bodyType: params.body, requestsSMTPUTF8: params.smtputf8,
      // Raw 8-bit header bytes without SMTPUTF8 are legacy mail, sent as they are.
      headerNeedsSMTPUTF8: params.smtputf8 && header.contains { $0 >= 0x80 },
      ret: params.ret, envelopeID: params.envelopeID)

    var outcomes: [Int64: RecipientOutcome] = [:]
    var domains: [String] = []
    var byDomain: [String: [QueuedRecipient]] = [:]
    for r in due {
      guard let at = r.address.lastIndex(of: "@"), r.address.index(after: at) < r.address.endIndex
      else {
        outcomes[r.id] = .failed(.local(553, (5, 1, 3), "bad recipient address: \(r.address)"))
        continue
      }
      let domain = r.address[r.address.index(after: at)...].lowercased()
      if byDomain[domain] == nil { domains.append(domain) }
      byDomain[domain, default: []].append(r)
    }
    await withTaskGroup(of: [(Int64, RecipientOutcome)].self) { group in
      for domain in domains {
        let recipients = byDomain[domain, default: []]
        group.addTask {
          await self.attempt(
            outbound, recipients: recipients, domain: domain, of: message, header: header,
            params: params)
        }
      }
      for await pairs in group {
        for (id, outcome) in pairs { outcomes[id] = outcome }
      }
    }
    // Cut short by cancellation: only the deliveries (already committed) count.
    if Task.isCancelled { return }
    await finish(message, due: due, outcomes: outcomes, header: header, params: params)
  }

  static func isDue(_ r: QueuedRecipient, at now: Int64) -> Bool {
    switch r.state {
    case .pending: true
    case .deferred(let next, _): next <= now
    case .delivered, .failed: false
    }
  }

  /// The recipient as the SMTP client sends it, with the DSN parameters of its RCPT.
  static func outbound(_ r: QueuedRecipient) -> OutboundRecipient {
    OutboundRecipient(r.address, dsn: RcptParameters(decoding: r.params) ?? RcptParameters())
  }

  /// One domain's attempt within the connection limits; its deliveries are committed at
  /// once so that nothing later in this pass can cause them to be sent twice, together
  /// with the "relayed" notification due for `NOTIFY=SUCCESS` recipients handed to a
  /// server without DSN (RFC 3461 §5.2.2).
  private func attempt(
    _ message: OutboundMessage, recipients: [QueuedRecipient], domain: String,
    of queued: QueuedMessage, header: [UInt8], params: QueueParameters
  ) async -> [(Int64, RecipientOutcome)] {
    let queue = queued.id
    let key = domainDelivery.router.destination(for: domain)
    do {
      try await limiter.acquire(key)
    } catch {
      return []
    }
    let targets = recipients.map(Self.outbound)
    let report = await domainDelivery.deliver(message, to: targets, domain: domain)
    limiter.release(key)
    let results = report.outcomes
    let pairs = zip(recipients, results).map { ($0.0.id, $0.1) }
    var delivered: [QueueRecipientUpdate] = []
    var relayed: [DeliveryStatusNotification.Recipient] = []
    let now = settings.clock()
    for (i, (r, outcome)) in zip(recipients, results).enumerated() where outcome.isDelivered {
      delivered.append(
        QueueRecipientUpdate(recipient: r.id, state: .delivered(reply: outcome.reply.description)))
      logger?.info(
        "delivery-delivered", ("queue", "\(queue)"), ("rcpt", r.address),
        ("reply", outcome.reply.description))
      if report.relayedWithoutDSN.contains(i) && targets[i].wants(.relayed) {
        relayed.append(
          .init(
            address: r.address, action: .relayed, reply: outcome.reply, lastAttempt: now,
            originalRecipient: targets[i].dsn.originalRecipient))
      }
    }
    guard !delivered.isEmpty else { return pairs }
    var notification: DeliveryStatusNotification?
    if !relayed.isEmpty && !queued.sender.isEmpty {
      notification = DeliveryStatusNotification(
        reportingMTA: settings.hostname, sender: queued.sender, arrivalDate: queued.created,
        date: now, recipients: relayed, originalHeader: header, envelopeID: params.envelopeID)
    }
    if await bouncer.commit(
      delivered, notification: notification, queue: queue, sender: queued.sender)
    {
      wake()
    }
    return pairs
  }

  /// Records failures and deferrals (with retry times, or expiry) and the notification
  /// they call for, in one commit.
  private func finish(
    _ message: QueuedMessage, due: [QueuedRecipient], outcomes: [Int64: RecipientOutcome],
    header: [UInt8], params: QueueParameters
  ) async {
    let now = settings.clock()
    let retry = settings.retry
    var updates: [QueueRecipientUpdate] = []
    var reported: [DeliveryStatusNotification.Recipient] = []
    for r in due {
      guard let outcome = outcomes[r.id] else { continue }
      let target = Self.outbound(r)
      // NOTIFY (RFC 3461 §4.1): a report only for the conditions the sender asked for.
      func report(_ action: DeliveryStatusNotification.Action, _ reply: DeliveryReply) {
        guard target.wants(action) else { return }
        reported.append(
          .init(
            address: r.address, action: action, reply: reply, lastAttempt: now,
            willRetryUntil: action == .delayed ? message.created + retry.expiry : nil,
            originalRecipient: target.dsn.originalRecipient))
      }
      switch outcome {
      case .delivered:
        continue
      case .failed(let reply):
        updates.append(
          QueueRecipientUpdate(recipient: r.id, state: .failed(reply: reply.description)))
        report(.failed, reply)
        logger?.info(
          "delivery-failed", ("queue", "\(message.id)"), ("rcpt", r.address),
          ("reply", reply.description))
      case .deferred(let reply, _):
        switch retry.afterTemporaryFailure(
          attempt: r.attempts + 1, created: message.created, now: now)
        {
        case .retry(let at):
          updates.append(
            QueueRecipientUpdate(
              recipient: r.id, state: .deferred(nextAttempt: at, lastReply: reply.description)))
          if retry.isDelayWarningDue(created: message.created, previous: r.updated, now: now) {
            report(.delayed, reply)
          }
          logger?.info(
            "delivery-deferred", ("queue", "\(message.id)"), ("rcpt", r.address),
            ("next", "\(at - now)s"), ("reply", reply.description))
        case .expire:
          updates.append(
            QueueRecipientUpdate(recipient: r.id, state: .failed(reply: reply.description)))
          report(.failed, reply)
          logger?.info(
            "delivery-expired", ("queue", "\(message.id)"), ("rcpt", r.address),
            ("reply", reply.description))
        }
      }
    }
    guard !updates.isEmpty else { return }
    var notification: DeliveryStatusNotification?
    if !reported.isEmpty && !message.sender.isEmpty {
      let failure = reported.contains { $0.action == .failed }
      let skip = min(Int64(params.skip), message.size)
      var returned: [UInt8]?
      if DeliveryStatusNotification.returnsFullMessage(
        ret: params.ret, failure: failure, size: Int(message.size - skip),
        limit: returnedMessageLimit)
      {
        // RET=FULL: the message as it was sent, read only for this (it is small).
        returned = try? await store.bodyBytes(message.body, range: skip..<message.size)
      }
      notification = DeliveryStatusNotification(
        reportingMTA: settings.hostname, sender: message.sender, arrivalDate: message.created,
        date: now, recipients: reported, originalHeader: header, envelopeID: params.envelopeID,
        returnedMessage: returned)
    }
    if await bouncer.commit(
      updates, notification: notification, queue: message.id, sender: message.sender)
    {
      wake()
    }
  }
}
