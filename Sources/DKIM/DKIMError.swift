import Crypto

/// Why a message could not be signed or a key could not be created, stored or loaded.
public enum DKIMError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The signing domain is not a plain ASCII host name (IDNs must be given in A-label form).
  case invalidDomain(String)
  /// The selector is not DNS sub-domain syntax (letters, digits, inner hyphens, dots); the
  /// key store further wants a single lowercase label.
  case invalidSelector(String)
  /// The message has no From field; RFC 6376 §5.4 requires From to be signed.
  case missingFrom
  /// The header has more fields than the parser records, so the bottom-most instances that
  /// DKIM signs cannot be located.
  case tooManyHeaderFields(Int)
  /// The signer was given no key.
  case noKeys
  /// Generating, parsing or signing with a key failed in the crypto layer.
  case crypto(CryptoError)
  /// A file or directory of the key store could not be read or written.
  case file(path: String, reason: String)
  /// A key store file exists but does not hold what it should (hand-edited or damaged).
  case malformedStore(path: String, reason: String)
  /// The domain has no keys in the store yet.
  case noKeysForDomain(String)
  /// The selector asked for does not exist in the store.
  case unknownSelector(domain: String, selector: String)
  /// Removing the selector that signs now would break signing; rotate first.
  case selectorInUse(domain: String, selector: String)
  /// Every counter letter for today's selector is taken.
  case selectorsExhausted(domain: String, prefix: String)

  public var description: String {
    switch self {
    case .invalidDomain(let d):
      "invalid DKIM domain \"\(d)\": use an ASCII host name (xn-- form for international names)"
    case .invalidSelector(let s):
      "invalid DKIM selector \"\(s)\": use 1-63 lowercase letters, digits and inner hyphens"
    case .missingFrom: "the message has no From header field, which DKIM must sign"
    case .tooManyHeaderFields(let n):
      "the message header has more than \(n) fields; it cannot be signed"
    case .noKeys: "no DKIM key was given to sign with"
    case .crypto(let e): "DKIM key operation failed: \(e)"
    case .file(let path, let reason): "\(path): \(reason)"
    case .malformedStore(let path, let reason):
      "\(path): \(reason) (fix or remove the file, then run the command again)"
    case .noKeysForDomain(let d): "no DKIM keys for \(d) yet (run `posta dkim` to create them)"
    case .unknownSelector(let d, let s): "no DKIM key with selector \(s) for \(d)"
    case .selectorInUse(let d, let s):
      "selector \(s) is the one \(d) signs with; rotate to a new selector before removing it"
    case .selectorsExhausted(let d, let p):
      "no free selector left for \(d) today (\(p)a to \(p)zz are taken); try again tomorrow"
    }
  }
}
