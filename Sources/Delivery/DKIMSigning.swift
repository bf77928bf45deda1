import DKIM
import Foundation
import MIME
import Synchronization

/// The one place outgoing mail is DKIM-signed (RFC 6376, and RFC 8463 when Ed25519 is on):
/// the SMTP server calls it for every message a user of a hosted domain submits, and the
/// queue signs its own notifications with it.
///
/// The signing domain is the From: address's domain when it is hosted, or else its closest
/// hosted parent (`MAILER-DAEMON@mail.example.com` is signed as `example.com`, which DMARC's
/// relaxed alignment accepts). Keys come from `DKIMKeyStore` (created on first use if
/// absent) and are cached for `cacheLifetime`, so `posta dkim rotate` run by another
/// process takes effect within that time without a file read per message.
///
/// Signing reads the message once and hashes the body in pieces; key loading may touch
/// files. Both are short, but callers on a busy async path may want to move them off it.
public final class DKIMSigning: Sendable {
  public let keyStore: DKIMKeyStore
  /// Add an Ed25519 signature after the RSA one (keys made when missing).
  public let ed25519: Bool
  public let cacheLifetime: Duration
  private let now: @Sendable () -> Date

  private struct Cached {
    let signer: DKIMSigner
    let loaded: ContinuousClock.Instant
  }

  private let domains: Mutex<Set<String>>
  private let cache = Mutex([String: Cached]())

  public init(
    keyStore: DKIMKeyStore, domains: [String], ed25519: Bool = false,
    cacheLifetime: Duration = .seconds(60), now: @escaping @Sendable () -> Date = { Date() }
  ) {
    self.keyStore = keyStore
    self.domains = Mutex(Set(domains.map { Self.normalize($0) }))
    self.ed25519 = ed25519
    self.cacheLifetime = cacheLifetime
    self.now = now
  }

  /// Replaces the hosted domains (configuration reload) and forgets cached keys.
  public func setDomains(_ newDomains: [String]) {
    domains.withLock { $0 = Set(newDomains.map { Self.normalize($0) }) }
    cache.withLock { $0 = [:] }
  }

  /// Forgets cached keys so the next signature reads the key store again.
  public func invalidateCache() { cache.withLock { $0 = [:] } }

  /// The domain that signs for mail From: `fromDomain`, or nil when none is hosted.
  public func signingDomain(forFromDomain fromDomain: String) -> String? {
    var name = Self.normalize(fromDomain)
    let hosted = domains.withLock { $0 }
    while !name.isEmpty {
      if hosted.contains(name) { return name }
      guard let dot = name.firstIndex(of: ".") else { return nil }
      name = String(name[name.index(after: dot)...])
    }
    return nil
  }

  /// The `DKIM-Signature` field(s) to prepend to `message`, signed by the domain
  /// responsible for `fromDomain`; nil when no hosted domain is.
  public func signatureFields(for message: some ByteSource, fromDomain: String)
    throws(DKIMError) -> [UInt8]?
  {
    guard let domain = signingDomain(forFromDomain: fromDomain) else { return nil }
    return try signer(for: domain).sign(message)
  }

  /// Like `signatureFields(for:fromDomain:)` with the domain of the message's first
  /// From: address; nil when it has none or it is not ours.
  public func signatureFields(for message: some ByteSource) throws(DKIMError) -> [UInt8]? {
    guard let from = Self.fromDomain(of: message) else { return nil }
    return try signatureFields(for: message, fromDomain: from)
  }

  /// The domain of the first address in the From: field.
  public static func fromDomain(of message: some ByteSource) -> String? {
    let header = Header.parse(message)
    guard let field = header.first(named: "From") else { return nil }
    let value = Array(field.unfoldedValue(in: message).utf8)
    return Address.parseList(value).allMailboxes.first?.domain
  }

  private func signer(for domain: String) throws(DKIMError) -> DKIMSigner {
    let clock = ContinuousClock.now
    if let hit = cache.withLock({ $0[domain] }), clock - hit.loaded < cacheLifetime {
      return hit.signer
    }
    let keys = try keyStore.ensureKeys(for: domain, ed25519: ed25519)
    let signer = try DKIMSigner(keySet: keys, ed25519: ed25519, now: now)
    cache.withLock { $0[domain] = Cached(signer: signer, loaded: clock) }
    return signer
  }

  private static func normalize(_ domain: String) -> String {
    var d = domain.lowercased()
    if d.hasSuffix(".") { d.removeLast() }
    return d
  }
}
