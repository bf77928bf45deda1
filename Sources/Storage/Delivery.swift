/// Which mailbox of the target account a delivered message goes to.
public enum DeliveryMailbox: Sendable, Hashable {
  case inbox
  /// By name (INBOX in any case); `.mailboxNotFound` when missing.
  case named(String)
  /// By id; must belong to the target account.
  case id(MailboxID)
}

/// One local copy of a delivered message.
public struct DeliveryTarget: Sendable {
  public var account: AccountID
  public var mailbox: DeliveryMailbox
  public var flags: MessageFlags
  public var keywords: [String]

  public init(
    account: AccountID, mailbox: DeliveryMailbox = .inbox, flags: MessageFlags = [],
    keywords: [String] = []
  ) {
    self.account = account
    self.mailbox = mailbox
    self.flags = flags
    self.keywords = keywords
  }
}

/// Remote recipients put in the outbound queue in the same transaction.
public struct OutboundEnvelope: Sendable {
  /// The envelope sender; "" is the null sender `<>` (bounces).
  public var sender: String
  public var recipients: [String]
  /// Opaque to the store: envelope options the outbound module wants back (e.g.
  /// SMTPUTF8, BODY=8BITMIME, the submitting account).
  public var params: String
  /// Opaque per-recipient options (the DSN parameters of its RCPT), by address as written
  /// in `recipients`; a recipient without an entry gets "".
  public var recipientParams: [String: String]

  public init(
    sender: String, recipients: [String], params: String = "",
    recipientParams: [String: String] = [:]
  ) {
    self.sender = sender
    self.recipients = recipients
    self.params = params
    self.recipientParams = recipientParams
  }
}

/// What to do when a target account has no room.
public enum OverQuotaPolicy: Sendable {
  /// The whole delivery fails with `.overQuota` and nothing is stored (the default).
  case failAll
  /// Over-quota targets are skipped and reported in the receipt; the delivery fails
  /// only if nothing at all could be stored or queued.
  case skipTarget
}

/// One message to store for local accounts and/or queue for remote recipients, in one
/// transaction: all of it is durable when `deliver` returns, or none of it.
public struct Delivery: Sendable {
  public var body: MessageSource
  public var targets: [DeliveryTarget]
  public var outbound: OutboundEnvelope?
  /// Unix seconds; nil means the commit time.
  public var internalDate: Int64?
  /// Zone offset of the internal date, in minutes east of UTC.
  public var internalDateZone: Int
  /// An opaque blob kept with the body (ENVELOPE/BODYSTRUCTURE cache for IMAP).
  public var metadata: [UInt8]?
  public var overQuota: OverQuotaPolicy
  /// Queue recipient updates committed together with this message, so a bounce and the
  /// failure it reports are durable together (or neither is).
  public var queueUpdates: [QueueRecipientUpdate]

  public init(
    body: MessageSource, targets: [DeliveryTarget], outbound: OutboundEnvelope? = nil,
    internalDate: Int64? = nil, internalDateZone: Int = 0, metadata: [UInt8]? = nil,
    overQuota: OverQuotaPolicy = .failAll, queueUpdates: [QueueRecipientUpdate] = []
  ) {
    self.body = body
    self.targets = targets
    self.outbound = outbound
    self.internalDate = internalDate
    self.internalDateZone = internalDateZone
    self.metadata = metadata
    self.overQuota = overQuota
    self.queueUpdates = queueUpdates
  }
}

/// What `deliver` stored.
public struct DeliveryReceipt: Sendable, Equatable {
  public enum Outcome: Sendable, Equatable {
    case stored(mailbox: MailboxID, uid: UInt32, modseq: UInt64)
    /// Skipped under `.skipTarget`.
    case overQuota
  }
  public let body: BodyID
  public let size: Int64
  /// One outcome per target, in the order given.
  public let outcomes: [Outcome]
  public let queueID: QueueID?
}

extension MailStore {
  /// Stores one message for every target (one body, referenced once per target) and
  /// queues it for the remote recipients, atomically and durably: when this returns the
  /// transaction is committed and synced; when it throws nothing of it remains. UIDs
  /// and MODSEQs are assigned inside the writer's transaction. Concurrent calls share
  /// commits (group commit).
  /// - Throws: `.overQuota`, `.diskFull`, `.mailboxNotFound`, `.accountNotFound`,
  ///   `.invalidArgument` (nothing to deliver, bad keyword), `.io` (spool file).
  public func deliver(_ delivery: Delivery) async throws(StorageError) -> DeliveryReceipt {
    let remote = delivery.outbound?.recipients ?? []
    if delivery.targets.isEmpty && remote.isEmpty {
      throw .invalidArgument("a delivery needs at least one mailbox or remote recipient")
    }
    let keywords = try delivery.targets.map { t throws(StorageError) in
      try MessageSQL.encodeKeywords(t.keywords)
    }
    return try await write(grows: true, isDelivery: true) { ctx throws(StorageError) in
      try QueueSQL.apply(ctx, delivery.queueUpdates)
      return try Self.deliver(ctx, delivery, keywords: keywords)
    }
  }

  /// Appends one message to a mailbox (IMAP APPEND), with quota enforced.
  public func append(
    to mailbox: MailboxID, body: MessageSource, flags: MessageFlags = [],
    keywords: [String] = [], internalDate: Int64? = nil, internalDateZone: Int = 0,
    metadata: [UInt8]? = nil
  ) async throws(StorageError) -> (uid: UInt32, modseq: UInt64, body: BodyID) {
    let kw = try MessageSQL.encodeKeywords(keywords)
    return try await write(grows: true) { ctx throws(StorageError) in
      let owner = try MailboxSQL.owner(ctx.db, mailbox)
      let d = Delivery(
        body: body,
        targets: [DeliveryTarget(account: owner, mailbox: .id(mailbox), flags: flags)],
        internalDate: internalDate, internalDateZone: internalDateZone, metadata: metadata)
      let receipt = try Self.deliver(ctx, d, keywords: [kw])
      guard case .stored(_, let uid, let modseq) = receipt.outcomes[0] else {
        throw .invalidArgument("append stored nothing")
      }
      return (uid, modseq, receipt.body)
    }
  }

  private static func deliver(_ ctx: WriteContext, _ d: Delivery, keywords: [String])
    throws(StorageError) -> DeliveryReceipt
  {
    let db = ctx.db
    let expected = try d.body.expectedSize()
    // Resolve mailboxes and check quotas before writing any byte of the body.
    var mailboxes: [MailboxID?] = []
    var planned: [AccountID: Int64] = [:]
    for t in d.targets {
      let box: MailboxID
      switch t.mailbox {
      case .inbox, .named:
        let name: String
        if case .named(let n) = t.mailbox {
          name = try MailboxSQL.canonicalName(n)
        } else {
          name = "INBOX"
        }
        guard let m = try MailboxSQL.load(db, account: t.account, name: name) else {
          if try AccountSQL.load(db, id: t.account) == nil {
            throw .accountNotFound(t.account.description)
          }
          throw .mailboxNotFound(name)
        }
        box = m.id
      case .id(let id):
        guard try MailboxSQL.owner(db, id) == t.account else {
          throw .mailboxNotFound(id.description)
        }
        box = id
      }
      let count = (planned[t.account] ?? 0) + 1
      let (address, over) = try MessageSQL.wouldExceedQuota(
        db, account: t.account, bytes: expected * count, messages: count)
      if over {
        if d.overQuota == .failAll { throw .overQuota(account: address) }
        mailboxes.append(nil)
        continue
      }
      planned[t.account] = count
      mailboxes.append(box)
    }
    let remote = d.outbound?.recipients ?? []
    if planned.isEmpty && remote.isEmpty {
      throw .overQuota(account: "every recipient")
    }
    let (body, size) = try BodySQL.insert(db, d.body, metadata: d.metadata, now: ctx.now)
    if size != expected {
      // The spool file changed size under us; check again with the real size.
      for (account, count) in planned {
        try MessageSQL.checkQuota(db, account: account, bytes: size * count, messages: count)
      }
    }
    var outcomes: [DeliveryReceipt.Outcome] = []
    for (i, t) in d.targets.enumerated() {
      guard let box = mailboxes[i] else {
        outcomes.append(.overQuota)
        continue
      }
      let (uid, modseq) = try MailboxSQL.allocate(db, box, uids: 1)
      try MessageSQL.insert(
        db, mailbox: box, uid: uid, modseq: modseq,
        MessageSQL.NewMessage(
          body: body, size: size, flags: t.flags.intersection(.all), keywords: keywords[i],
          internalDate: d.internalDate ?? ctx.now, internalDateZone: d.internalDateZone),
        now: ctx.now)
      ctx.emit(box, .added(uid: uid, modseq: modseq))
      outcomes.append(.stored(mailbox: box, uid: uid, modseq: modseq))
    }
    var queueID: QueueID?
    if let envelope = d.outbound, !envelope.recipients.isEmpty {
      queueID = try QueueSQL.enqueue(db, body: body, envelope, now: ctx.now)
    }
    return DeliveryReceipt(body: body, size: size, outcomes: outcomes, queueID: queueID)
  }
}
