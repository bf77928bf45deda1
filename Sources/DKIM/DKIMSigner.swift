import Crypto
import Foundation
import MIME

/// Signs messages for one domain: one `DKIM-Signature` field per key (RFC 6376 §5), e.g. an
/// `rsa-sha256` and an `ed25519-sha256` one (RFC 8463 §6 recommends both while verifiers
/// catch up).
///
/// Signing reads the message once for the header and streams the body through the hash in
/// bounded pieces; keys sharing a body canonicalisation share one body hash.
public struct DKIMSigner: Sendable {
  /// Fields signed when present, in this order; each instance of a present field is signed.
  public static let defaultSignedHeaders = [
    "From", "To", "Cc", "Subject", "Date", "Message-ID", "Reply-To", "In-Reply-To",
    "References", "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
  ]
  /// Name prefixes whose fields are signed when present (RFC 2369/2919 list fields).
  public static let defaultSignedHeaderPrefixes = ["List-"]
  /// Fields listed once more than they occur, so that adding another instance breaks the
  /// signature (RFC 6376 §8.15).
  public static let defaultOverSignedHeaders = ["From"]

  /// The signing domain (`d=`).
  public let domain: String
  /// One signature is made per key, in this order.
  public let keys: [DKIMKey]
  /// `c=` header part; relaxed survives refolding by relays.
  public var headerCanonicalization: DKIMCanonicalization = .relaxed
  /// `c=` body part; relaxed survives trailing-whitespace changes.
  public var bodyCanonicalization: DKIMCanonicalization = .relaxed
  /// Names signed when present (case-insensitive).
  public var signedHeaders: [String] = DKIMSigner.defaultSignedHeaders
  /// Prefixes of names signed when present (case-insensitive), after ``signedHeaders``.
  public var signedHeaderPrefixes: [String] = DKIMSigner.defaultSignedHeaderPrefixes
  /// Names listed in `h=` one more time than they occur (when they occur at all).
  public var overSignedHeaders: [String] = DKIMSigner.defaultOverSignedHeaders
  /// When set, `x=` is `t=` plus this many seconds (RFC 6376 §3.5).
  public var expiresAfter: Int64?
  /// The wall clock for `t=`; tests pass a fixed one.
  public var now: @Sendable () -> Date

  /// A signer for `domain` with `keys`, relaxed/relaxed and the default header list.
  public init(
    domain: String, keys: [DKIMKey], now: @escaping @Sendable () -> Date = { Date() }
  ) throws(DKIMError) {
    let d = domain.hasSuffix(".") ? String(domain.dropLast()) : domain
    guard DKIMNames.isValidDomain(d) else { throw .invalidDomain(domain) }
    guard !keys.isEmpty else { throw .noKeys }
    self.domain = d.lowercased()
    self.keys = keys
    self.now = now
  }

  /// A signer for a key set from ``DKIMKeyStore``; with `ed25519` its Ed25519 key (if any)
  /// adds a second signature after the RSA one.
  public init(
    keySet: DKIMKeySet, ed25519: Bool = true, now: @escaping @Sendable () -> Date = { Date() }
  ) throws(DKIMError) {
    var keys = [keySet.rsa]
    if ed25519, let ed = keySet.ed25519 { keys.append(ed) }
    try self.init(domain: keySet.domain, keys: keys, now: now)
  }

  /// The `DKIM-Signature` fields for `message`, each folded and CRLF-terminated, all
  /// concatenated: prepend them to the message as they are.
  public func sign(_ message: some ByteSource) throws(DKIMError) -> [UInt8] {
    try signatureFields(for: message).flatMap { $0 }
  }

  /// One `DKIM-Signature` field per key, in key order.
  public func signatureFields(for message: some ByteSource) throws(DKIMError) -> [[UInt8]] {
    let header = Header.parse(message)
    if header.isTruncated { throw .tooManyHeaderFields(header.fields.count) }
    guard header.first(named: "From") != nil else { throw .missingFrom }
    let names = signedHeaderNames(in: header)
    let bodyHash = DKIMBodyHash.compute(
      message, range: header.bodyStart..<message.count, canonicalization: bodyCanonicalization)
    let headerData = headerCanonicalization.canonicalSignedHeaders(
      names, header: header, in: message)
    let t = Int64(now().timeIntervalSince1970.rounded(.down))
    return try keys.map { key throws(DKIMError) in
      let field = DKIMSignatureField(
        algorithm: key.algorithm, headerCanonicalization: headerCanonicalization,
        bodyCanonicalization: bodyCanonicalization, domain: domain, selector: key.selector,
        timestamp: t, expiration: expiresAfter.map { t + $0 }, signedHeaderNames: names,
        bodyHash: bodyHash)
      let signature = try key.signature(
        over: Self.headerHashInput(
          signedHeaders: headerData, unsignedField: field.unsignedBytes(),
          canonicalization: headerCanonicalization))
      return field.signedBytes(signature: signature)
    }
  }

  /// The `h=` list for `header`: each configured name as often as it occurs, then the
  /// prefixed names in order of first appearance, with over-signed names once more.
  func signedHeaderNames(in header: Header) -> [String] {
    var listed: [String] = []
    var seen = Set<String>()
    for name in signedHeaders where !seen.contains(name.lowercased()) {
      seen.insert(name.lowercased())
      if header.count(named: name) > 0 { listed.append(name) }
    }
    for field in header.fields where !seen.contains(field.name.lowercased()) {
      let lower = field.name.lowercased()
      if signedHeaderPrefixes.contains(where: { lower.hasPrefix($0.lowercased()) }) {
        seen.insert(lower)
        listed.append(field.name)
      }
    }
    var names: [String] = []
    for name in listed {
      var times = header.count(named: name)
      if overSignedHeaders.contains(where: { $0.lowercased() == name.lowercased() }) { times += 1 }
      names += Array(repeating: name, count: times)
    }
    return names
  }

  /// RFC 6376 §3.7: the selected header fields, then the signature field itself with an empty
  /// `b=`, canonicalised and without its final CRLF.
  static func headerHashInput(
    signedHeaders: [UInt8], unsignedField: [UInt8], canonicalization: DKIMCanonicalization
  ) -> [UInt8] {
    var data = signedHeaders
    data += canonicalization.canonicalHeader(unsignedField).dropLast(2)
    return data
  }
}
