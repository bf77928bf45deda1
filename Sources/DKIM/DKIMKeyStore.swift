import Crypto
import Foundation

/// The keys a domain signs with: the active RSA key and, when one was made, its Ed25519 partner.
public struct DKIMKeySet: Sendable {
  /// The signing domain, lowercased.
  public let domain: String
  /// The RSA-2048 key; its selector is the domain's active selector.
  public let rsa: DKIMKey
  /// The Ed25519 key (selector `<active>-ed25519`), if the domain has one.
  public let ed25519: DKIMKey?

  /// The active selector (the RSA key's).
  public var selector: String { rsa.selector }

  /// The RSA key, then the Ed25519 key if present.
  public var keys: [DKIMKey] { [rsa] + (ed25519.map { [$0] } ?? []) }
}

/// DKIM keys on disk, one directory per domain.
///
/// Layout under ``directory`` (normally `data_dir/dkim`; every directory 0700, every file 0600):
/// ```
/// example.com/
///   active                        # "selector=posta20261127a": the selector signing now
///   posta20261127a.pem            # RSA-2048, PKCS#8 PEM
///   posta20261127a-ed25519.pem    # Ed25519 partner, only when Ed25519 is enabled
///   posta20261101a.pem            # an older key kept after rotation until removed
/// ```
/// Every file is written to a temporary name and then linked into place, which fails if the
/// name exists; so when processes race (`serve` starting while an admin runs `posta dns`) the
/// first one to link a key wins and the others read its key instead of making their own.
/// `active` is created the same way and only replaced (by rename) on rotation.
///
/// Key generation takes up to a few hundred milliseconds: call from a thread that may block.
public struct DKIMKeyStore: Sendable {
  /// The root directory (`data_dir/dkim`).
  public let directory: String
  /// Generated selectors are this prefix, the UTC date and a counter letter.
  public let selectorPrefix: String
  /// The wall clock used to date new selectors.
  public var now: @Sendable () -> Date

  static let activeFile = "active"
  static let keySuffix = ".pem"

  /// A store rooted at `directory`. Nothing is touched until a key is asked for.
  public init(
    directory: String, selectorPrefix: String = "posta",
    now: @escaping @Sendable () -> Date = { Date() }
  ) {
    self.directory = directory
    self.selectorPrefix = selectorPrefix
    self.now = now
  }

  /// The store under `dataDirectory` (`<dataDirectory>/dkim`).
  public init(
    dataDirectory: String, selectorPrefix: String = "posta",
    now: @escaping @Sendable () -> Date = { Date() }
  ) {
    self.init(
      directory: KeyFiles.join(dataDirectory, "dkim"), selectorPrefix: selectorPrefix, now: now)
  }

  // MARK: - Creating and loading

  /// The domain's keys, created if absent: the one create-if-absent step `serve`, a reload and
  /// the CLI all run. With `ed25519`, an Ed25519 key is added to an existing set that lacks
  /// one. `selector` names the first key instead of the generated `<prefix><date>a`; it is
  /// ignored once the domain has keys.
  public func ensureKeys(for domain: String, ed25519: Bool = false, selector: String? = nil)
    throws(DKIMError) -> DKIMKeySet
  {
    let (name, dir) = try domainDirectory(domain)
    if let selector, !DKIMNames.isStoreSelector(selector) { throw .invalidSelector(selector) }
    try KeyFiles.makeDirectory(directory, mode: 0o700)
    try KeyFiles.makeDirectory(dir, mode: 0o700)
    // Two rounds at most: a lost race on `active` is followed by reading the winner's.
    for _ in 0..<3 {
      if let active = try readActive(dir) {
        return try loadSet(name, dir, active: active, createEd25519: ed25519)
      }
      // Every creator on the same day aims at the same first name, so racing processes meet
      // on one file and all but the first adopt its key.
      let first: String
      if let selector { first = selector } else { first = try candidates()[0] }
      _ = try createOrAdopt(dir, first, .rsa)
      if ed25519 {
        _ = try createOrAdopt(dir, SelectorNaming.ed25519Selector(for: first), .ed25519)
      }
      _ = try KeyFiles.createExclusively(
        KeyFiles.join(dir, Self.activeFile), Self.activeContents(first))
    }
    throw .malformedStore(
      path: KeyFiles.join(dir, Self.activeFile), reason: "keeps disappearing while being read")
  }

  /// The domain's keys, or nil if it has none yet. Never creates anything.
  public func keys(for domain: String) throws(DKIMError) -> DKIMKeySet? {
    let (name, dir) = try domainDirectory(domain)
    guard let active = try readActive(dir) else { return nil }
    return try loadSet(name, dir, active: active, createEd25519: false)
  }

  /// Makes a new active selector with a fresh RSA key (and an Ed25519 partner with `ed25519`)
  /// and switches signing to it. The previous keys stay on disk, and in DNS, until removed
  /// with ``removeKey(domain:selector:)`` — mail signed with them may still be in transit.
  /// Two rotations at the same moment each make a key; the later one ends up active.
  public func rotate(_ domain: String, ed25519: Bool = false) throws(DKIMError) -> DKIMKeySet {
    let (name, dir) = try domainDirectory(domain)
    guard let current = try readActive(dir) else {
      return try ensureKeys(for: domain, ed25519: ed25519)
    }
    let key = try generate(.rsa)
    let pem = try pemBytes(key)
    var chosen: String?
    for candidate in try candidates() where candidate != current {
      let path = KeyFiles.join(dir, candidate + Self.keySuffix)
      if try KeyFiles.createExclusively(path, pem) == .created {
        chosen = candidate
        break
      }
    }
    guard let chosen else {
      throw .selectorsExhausted(
        domain: name, prefix: SelectorNaming(prefix: selectorPrefix).stem(for: now()))
    }
    if ed25519 {
      _ = try createOrAdopt(dir, SelectorNaming.ed25519Selector(for: chosen), .ed25519)
    }
    try KeyFiles.replace(KeyFiles.join(dir, Self.activeFile), Self.activeContents(chosen))
    return try loadSet(name, dir, active: chosen, createEd25519: false)
  }

  // MARK: - Listing and removing

  /// Every key stored for the domain, active or not, sorted by selector (for `posta dns`,
  /// which must keep publishing old keys until they are removed).
  public func storedKeys(for domain: String) throws(DKIMError) -> [DKIMKey] {
    let (_, dir) = try domainDirectory(domain)
    guard let names = try KeyFiles.list(dir) else { return [] }
    var keys: [DKIMKey] = []
    for file in names where !file.hasPrefix(".") && file.hasSuffix(Self.keySuffix) {
      let selector = String(file.dropLast(Self.keySuffix.count))
      guard DKIMNames.isStoreSelector(selector) else { continue }
      keys.append(try loadKey(dir, selector, expecting: nil))
    }
    return keys.sorted { $0.selector < $1.selector }
  }

  /// Deletes the key with `selector`. The active selector and its Ed25519 partner are
  /// refused: rotate first.
  public func removeKey(domain: String, selector: String) throws(DKIMError) {
    let (name, dir) = try domainDirectory(domain)
    guard DKIMNames.isStoreSelector(selector) else { throw .invalidSelector(selector) }
    if let active = try readActive(dir),
      selector == active || selector == SelectorNaming.ed25519Selector(for: active)
    {
      throw .selectorInUse(domain: name, selector: selector)
    }
    let path = KeyFiles.join(dir, selector + Self.keySuffix)
    guard try KeyFiles.read(path) != nil else {
      throw .unknownSelector(domain: name, selector: selector)
    }
    try KeyFiles.remove(path)
  }

  /// Domains that have keys, sorted.
  public func domains() throws(DKIMError) -> [String] {
    guard let names = try KeyFiles.list(directory) else { return [] }
    var out: [String] = []
    for name in names where !name.hasPrefix(".") {
      let active = KeyFiles.join(KeyFiles.join(directory, name), Self.activeFile)
      if (try? KeyFiles.read(active)) != nil { out.append(name) }
    }
    return out
  }

  // MARK: - Internals

  /// The normalised domain and its directory.
  private func domainDirectory(_ domain: String) throws(DKIMError) -> (String, String) {
    let d = (domain.hasSuffix(".") ? String(domain.dropLast()) : domain).lowercased()
    guard DKIMNames.isValidDomain(d) else { throw .invalidDomain(domain) }
    return (d, KeyFiles.join(directory, d))
  }

  private func candidates() throws(DKIMError) -> [String] {
    let names = SelectorNaming(prefix: selectorPrefix).candidates(for: now())
    guard let first = names.first, DKIMNames.isStoreSelector(first) else {
      throw .invalidSelector(names.first ?? selectorPrefix)
    }
    return names
  }

  static func activeContents(_ selector: String) -> [UInt8] {
    Array(
      """
      # The DKIM selector this domain signs with (written by posta; rotate with `posta dkim rotate`).
      selector=\(selector)

      """.utf8)
  }

  /// The active selector, or nil if the domain has none yet.
  private func readActive(_ dir: String) throws(DKIMError) -> String? {
    let path = KeyFiles.join(dir, Self.activeFile)
    guard let bytes = try KeyFiles.read(path) else { return nil }
    for line in String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline) {
      let text = line.trimmingCharacters(in: .whitespaces)
      guard text.hasPrefix("selector=") else { continue }
      let selector = String(text.dropFirst("selector=".count)).trimmingCharacters(in: .whitespaces)
      guard DKIMNames.isStoreSelector(selector) else {
        throw .malformedStore(path: path, reason: "\"\(selector)\" is not a valid selector")
      }
      return selector
    }
    throw .malformedStore(path: path, reason: "no selector= line")
  }

  private func loadSet(_ domain: String, _ dir: String, active: String, createEd25519: Bool)
    throws(DKIMError) -> DKIMKeySet
  {
    let rsa = try loadKey(dir, active, expecting: .rsa)
    let edSelector = SelectorNaming.ed25519Selector(for: active)
    let ed: DKIMKey?
    if createEd25519 {
      ed = try createOrAdopt(dir, edSelector, .ed25519)
    } else if try KeyFiles.read(KeyFiles.join(dir, edSelector + Self.keySuffix)) != nil {
      ed = try loadKey(dir, edSelector, expecting: .ed25519)
    } else {
      ed = nil
    }
    return DKIMKeySet(domain: domain, rsa: rsa, ed25519: ed)
  }

  /// The key at `<selector>.pem`, made now if the file does not exist. If another process
  /// links its key first, that key is read and returned instead.
  private func createOrAdopt(_ dir: String, _ selector: String, _ type: KeyType)
    throws(DKIMError) -> DKIMKey
  {
    let path = KeyFiles.join(dir, selector + Self.keySuffix)
    if try KeyFiles.read(path) == nil {
      let key = try generate(type)
      if try KeyFiles.createExclusively(path, pemBytes(key)) == .created {
        return try DKIMKey(selector: selector, privateKey: key)
      }
    }
    return try loadKey(dir, selector, expecting: type)
  }

  private func loadKey(_ dir: String, _ selector: String, expecting type: KeyType?)
    throws(DKIMError) -> DKIMKey
  {
    let path = KeyFiles.join(dir, selector + Self.keySuffix)
    guard let bytes = try KeyFiles.read(path) else {
      throw .malformedStore(path: path, reason: "the key file is missing")
    }
    let key: PrivateKey
    do {
      key = try PrivateKey(pem: String(decoding: bytes, as: UTF8.self))
    } catch {
      throw .malformedStore(path: path, reason: "\(error)")
    }
    if let type, key.type != type {
      throw .malformedStore(
        path: path, reason: "holds an \(key.type.rawValue) key where \(type.rawValue) belongs")
    }
    return try DKIMKey(selector: selector, privateKey: key)
  }

  private func generate(_ type: KeyType) throws(DKIMError) -> PrivateKey {
    do {
      switch type {
      case .rsa: return try PrivateKey.generateRSA(bits: 2048)
      case .ed25519: return try PrivateKey.generateEd25519()
      }
    } catch {
      throw .crypto(error)
    }
  }

  private func pemBytes(_ key: PrivateKey) throws(DKIMError) -> [UInt8] {
    do {
      return Array(try key.pem().utf8)
    } catch {
      throw .crypto(error)
    }
  }
}
