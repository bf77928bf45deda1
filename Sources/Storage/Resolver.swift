/// Expands a recipient address through accounts, aliases, sub-addressing and
/// catch-alls, on one connection inside one read (or the writer's) transaction.
///
/// Order for an address in a hosted domain: an account with exactly that address; an
/// alias with exactly that address; the same two for `user` when the address is
/// `user+tag` (RFC 5233 sub-addressing); the domain's catch-all alias `@domain`.
/// Aliases expand recursively; an address already on the current path is a loop.
struct Resolver {
  let db: SQLiteDatabase
  let hosted: Set<String>
  /// Refuse loops and unknown local targets (when creating an alias) instead of
  /// skipping them (when delivering).
  let strict: Bool
  private(set) var local: [ResolvedAccount] = []
  private(set) var remote: [String] = []
  private var seenLocal = Set<AccountID>()
  private var seenRemote = Set<String>()

  /// Aliases nest at most this deep (a chain longer than this is treated as a loop).
  static let maxDepth = 20

  init(db: SQLiteDatabase, hosted: Set<String>, strict: Bool) {
    self.db = db
    self.hosted = hosted
    self.strict = strict
  }

  /// Expands `address`; returns false when a hosted address matched nothing.
  mutating func expand(_ address: String, path: [String] = []) throws(StorageError) -> Bool {
    if path.contains(address) || path.count >= Self.maxDepth {
      if strict { throw .aliasLoop(path + [address]) }
      return true
    }
    guard let (localPart, domain) = AddressSyntax.normalize(address) else {
      if strict { throw .invalidAddress(address) }
      return false
    }
    let normalized = localPart + "@" + domain
    guard hosted.contains(domain) else {
      if seenRemote.insert(normalized).inserted { remote.append(normalized) }
      return true
    }
    if try matchExact(normalized, path: path) { return true }
    if let base = AddressSyntax.strippingTag(localPart),
      try matchExact(base + "@" + domain, path: path + [normalized])
    {
      return true
    }
    let catchAll = "@" + domain
    let targets = try aliasTargets(catchAll)
    if !targets.isEmpty {
      try expandTargets(targets, path: path + [normalized, catchAll])
      return true
    }
    if strict && !path.isEmpty { throw .accountNotFound(normalized) }
    return false
  }

  private mutating func matchExact(_ address: String, path: [String]) throws(StorageError)
    -> Bool
  {
    if let id = try db.scalar("SELECT id FROM accounts WHERE address = ?", .text(address)) {
      let account = ResolvedAccount(id: AccountID(id), address: address)
      if seenLocal.insert(account.id).inserted { local.append(account) }
      return true
    }
    let targets = try aliasTargets(address)
    if targets.isEmpty { return false }
    try expandTargets(targets, path: path + [address])
    return true
  }

  private mutating func expandTargets(_ targets: [String], path: [String]) throws(StorageError) {
    for t in targets { _ = try expand(t, path: path) }
  }

  func aliasTargets(_ address: String) throws(StorageError) -> [String] {
    var out: [String] = []
    try db.query(
      "SELECT target FROM aliases WHERE address = ? ORDER BY position", [.text(address)]
    ) { s in out.append(s.text(0)) }
    return out
  }
}

/// Aliases and recipient resolution.
extension MailStore {
  /// Where mail for `address` goes (aliases, `+tag`, catch-all expanded; duplicates
  /// removed). Unknown local targets and loops met on the way are skipped.
  /// - Throws: `.invalidAddress` for something that is not `local@domain`.
  public func resolveRecipient(_ address: String) async throws(StorageError)
    -> RecipientResolution
  {
    guard let (local, domain) = AddressSyntax.normalize(address) else {
      throw .invalidAddress(address)
    }
    guard hostedDomains.contains(domain) else { return .notHosted }
    let hosted = hostedDomains
    return try await read { db throws(StorageError) in
      try db.readTransaction { () throws(StorageError) -> RecipientResolution in
        var r = Resolver(db: db, hosted: hosted, strict: false)
        guard try r.expand(local + "@" + domain), !(r.local.isEmpty && r.remote.isEmpty) else {
          return .unknownRecipient
        }
        return .deliver(local: r.local, remote: r.remote)
      }
    }
  }

  /// Creates or replaces the alias `address` (`local@domain`, or `@domain` for the
  /// domain's catch-all) forwarding to `targets` (local or remote addresses).
  /// - Throws: `.invalidAddress`, `.unknownDomain`, `.addressInUse` (an account has that
  ///   address), `.aliasLoop` (with the chain), `.accountNotFound` (a local target that
  ///   resolves to nothing), `.invalidArgument` (no target).
  @discardableResult
  public func setAlias(_ address: String, targets: [String]) async throws(StorageError) -> Alias {
    guard let (local, domain) = AddressSyntax.normalizeAliasSource(address) else {
      throw .invalidAddress(address)
    }
    guard hostedDomains.contains(domain) else { throw .unknownDomain(domain) }
    let source = local.isEmpty ? "@" + domain : local + "@" + domain
    var normalized: [String] = []
    for t in targets {
      guard let (l, d) = AddressSyntax.normalize(t) else { throw .invalidAddress(t) }
      let n = l + "@" + d
      if !normalized.contains(n) { normalized.append(n) }
    }
    if normalized.isEmpty { throw .invalidArgument("an alias needs at least one target") }
    let hosted = hostedDomains
    let final = normalized
    return try await write(grows: true) { ctx throws(StorageError) in
      let db = ctx.db
      if try db.scalar("SELECT 1 FROM accounts WHERE address = ?", .text(source)) != nil {
        throw .addressInUse(source)
      }
      try db.run("DELETE FROM aliases WHERE address = ?", .text(source))
      for (i, t) in final.enumerated() {
        try db.run(
          "INSERT INTO aliases (address, position, target) VALUES (?, ?, ?)", .text(source),
          .int(Int64(i)), .text(t))
      }
      // Expanding every target from the alias itself finds loops through it
      // (including through `+tag` and the catch-all) and dangling local targets.
      var r = Resolver(db: db, hosted: hosted, strict: true)
      for t in final { _ = try r.expand(t, path: [source]) }
      return Alias(address: source, targets: final)
    }
  }

  /// Deletes the alias `address` (or the catch-all `@domain`).
  public func deleteAlias(_ address: String) async throws(StorageError) {
    guard let (local, domain) = AddressSyntax.normalizeAliasSource(address) else {
      throw .invalidAddress(address)
    }
    let source = local.isEmpty ? "@" + domain : local + "@" + domain
    try await write { ctx throws(StorageError) in
      try ctx.db.run("DELETE FROM aliases WHERE address = ?", .text(source))
      if ctx.db.changes == 0 { throw .aliasNotFound(source) }
    }
  }

  /// Every alias, sorted by address, targets in the order given.
  public func aliases() async throws(StorageError) -> [Alias] {
    try await read { db throws(StorageError) in
      var out: [Alias] = []
      try db.query("SELECT address, target FROM aliases ORDER BY address, position", []) { s in
        let a = s.text(0)
        if out.last?.address == a {
          out[out.count - 1] = Alias(address: a, targets: out[out.count - 1].targets + [s.text(1)])
        } else {
          out.append(Alias(address: a, targets: [s.text(1)]))
        }
      }
      return out
    }
  }
}
