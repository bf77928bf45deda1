/// Messages of a mailbox: listing, flags, expunge, copy and move.
extension MailStore {
  /// Messages of `mailbox` in ascending UID order; only the given UIDs when `uids` is set
  /// (UIDs that do not exist are skipped).
  public func messages(in mailbox: MailboxID, uids: [UInt32]? = nil) async throws(StorageError)
    -> [MessageInfo]
  {
    try await read { db throws(StorageError) in try MessageSQL.list(db, mailbox, uids: uids) }
  }

  /// The message with this UID, or nil.
  public func message(in mailbox: MailboxID, uid: UInt32) async throws(StorageError)
    -> MessageInfo?
  {
    try await messages(in: mailbox, uids: [uid]).first
  }

  /// Messages whose MODSEQ is above `modseq` (CONDSTORE CHANGEDSINCE, RFC 7162).
  public func messages(in mailbox: MailboxID, changedSince modseq: UInt64)
    async throws(StorageError) -> [MessageInfo]
  {
    try await read { db throws(StorageError) in
      var out: [MessageInfo] = []
      try db.query(
        """
        SELECT \(MessageSQL.columns) FROM messages WHERE mailbox_id = ? AND modseq > ?
        ORDER BY uid
        """, [.int(mailbox.rawValue), .int(Int64(modseq))]
      ) { s in out.append(MessageSQL.row(s)) }
      return out
    }
  }

  /// UIDs expunged after `modseq`, ascending (QRESYNC VANISHED, RFC 7162 §3.2.10).
  public func expungedUIDs(in mailbox: MailboxID, since modseq: UInt64)
    async throws(StorageError) -> [UInt32]
  {
    try await read { db throws(StorageError) in
      var out: [UInt32] = []
      try db.query(
        "SELECT uid FROM expunged WHERE mailbox_id = ? AND modseq > ? ORDER BY uid",
        [.int(mailbox.rawValue), .int(Int64(modseq))]
      ) { s in out.append(UInt32(truncatingIfNeeded: s.int(0))) }
      return out
    }
  }

  /// Changes flags and keywords of the given messages; every message that changes gets
  /// the same new MODSEQ. With `unchangedSince` (RFC 7162 UNCHANGEDSINCE), messages
  /// whose MODSEQ is higher are left alone and reported in `modified`.
  public func storeFlags(
    in mailbox: MailboxID, uids: [UInt32], _ operation: FlagOperation,
    flags: MessageFlags, keywords: [String] = [], unchangedSince: UInt64? = nil
  ) async throws(StorageError) -> FlagUpdateResult {
    let keywordSet = Set(
      try MessageSQL.encodeKeywords(keywords).split(separator: " ").map(String.init))
    return try await write { ctx throws(StorageError) in
      let db = ctx.db
      var result = FlagUpdateResult(updated: [], modified: [])
      var modseq: UInt64?
      for m in try MessageSQL.list(db, mailbox, uids: uids) {
        if let limit = unchangedSince, m.modseq > limit {
          result.modified.append(m.uid)
          continue
        }
        var f = m.flags
        var k = Set(m.keywords)
        switch operation {
        case .add:
          f.formUnion(flags)
          k.formUnion(keywordSet)
        case .remove:
          f.subtract(flags)
          k.subtract(keywordSet)
        case .replace:
          f = flags.intersection(.all)
          k = keywordSet
        }
        if f == m.flags && k == Set(m.keywords) { continue }
        let ms: UInt64
        if let modseq { ms = modseq } else { ms = try MailboxSQL.bumpModseq(db, mailbox) }
        modseq = ms
        let encoded = k.sorted()
        try db.run(
          "UPDATE messages SET flags = ?, keywords = ?, modseq = ? WHERE mailbox_id = ? AND uid = ?",
          .int(f.rawValue), .text(encoded.joined(separator: " ")), .int(Int64(ms)),
          .int(mailbox.rawValue), .int(Int64(m.uid)))
        let info = MessageInfo(
          uid: m.uid, body: m.body, size: m.size, flags: f, keywords: encoded, modseq: ms,
          internalDate: m.internalDate, internalDateZone: m.internalDateZone,
          saveDate: m.saveDate)
        result.updated.append(info)
        ctx.emit(mailbox, .flags(uid: m.uid, flags: f, keywords: encoded, modseq: ms))
      }
      return result
    }
  }

  /// Expunges messages atomically and returns the UIDs removed, ascending.
  /// - Parameters:
  ///   - uids: the candidates; nil means every message of the mailbox.
  ///   - onlyDeleted: keep candidates without `\Deleted` (IMAP EXPUNGE/UID EXPUNGE);
  ///     POP3's QUIT passes false with the UIDs it marked.
  public func expunge(in mailbox: MailboxID, uids: [UInt32]? = nil, onlyDeleted: Bool = true)
    async throws(StorageError) -> [UInt32]
  {
    try await write { ctx throws(StorageError) in
      _ = try MailboxSQL.owner(ctx.db, mailbox)
      let candidates = try MessageSQL.list(ctx.db, mailbox, uids: uids)
        .filter { !onlyDeleted || $0.flags.contains(.deleted) }.map(\.uid)
      guard !candidates.isEmpty else { return [] }
      return try MessageSQL.expunge(ctx, mailbox, candidates)
    }
  }

  /// Copies messages to another mailbox (same body, no byte copied). Returns (source UID,
  /// new UID) pairs for COPYUID. Throws `.overQuota` when they do not all fit.
  public func copyMessages(from source: MailboxID, uids: [UInt32], to destination: MailboxID)
    async throws(StorageError) -> [(source: UInt32, destination: UInt32)]
  {
    try await write(grows: true) { ctx throws(StorageError) in
      try MessageSQL.copy(ctx, from: source, uids: uids, to: destination).map {
        (source: $0.0, destination: $0.1)
      }
    }
  }

  /// Moves messages atomically (RFC 6851): copy, then expunge from the source. Within
  /// one account the usage does not change, so no quota can refuse it.
  public func moveMessages(from source: MailboxID, uids: [UInt32], to destination: MailboxID)
    async throws(StorageError) -> [(source: UInt32, destination: UInt32)]
  {
    try await write(grows: true) { ctx throws(StorageError) in
      let sameAccount =
        try MailboxSQL.owner(ctx.db, source) == MailboxSQL.owner(ctx.db, destination)
      let pairs = try MessageSQL.copy(
        ctx, from: source, uids: uids, to: destination, enforceQuota: !sameAccount)
      _ = try MessageSQL.expunge(ctx, source, pairs.map(\.0))
      return pairs.map { (source: $0.0, destination: $0.1) }
    }
  }
}
