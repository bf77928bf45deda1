/// The Crypto module: the few primitives Posta needs, all from OpenSSL's libcrypto.
///
/// It owns hashing (SHA-1, SHA-256), HMAC, PBKDF2-HMAC-SHA256 (the password hash and
/// SCRAM's SaltedPassword), secure random bytes, constant-time comparison, strict
/// base64 and hex, and RSA/Ed25519 keys for DKIM and certificates.
///
/// Invariants: no C type appears in the public interface (`internal import COpenSSL`);
/// every fallible operation throws `CryptoError` carrying OpenSSL's reason; hashing
/// and HMAC cannot fail short of memory exhaustion, so they do not throw.

/// Errors from key handling, randomness and parameter checks.
public enum CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
  /// A caller passed a value the operation cannot use (zero iterations, bad key length...).
  case invalidParameter(String)
  /// The random generator could not produce bytes (no entropy source).
  case randomUnavailable(String)
  /// Key generation failed inside OpenSSL.
  case keyGeneration(String)
  /// Key material could not be parsed (bad PEM/DER, wrong length, encrypted key).
  case invalidKey(String)
  /// The key parsed but is neither RSA nor Ed25519.
  case unsupportedKeyType(String)
  /// Signing or exporting failed inside OpenSSL.
  case operationFailed(String)

  public var description: String {
    switch self {
    case .invalidParameter(let m): "invalid parameter: \(m)"
    case .randomUnavailable(let m): "secure random bytes unavailable: \(m)"
    case .keyGeneration(let m): "key generation failed: \(m)"
    case .invalidKey(let m): "invalid key: \(m)"
    case .unsupportedKeyType(let m): "unsupported key type: \(m) (use RSA or Ed25519)"
    case .operationFailed(let m): "cryptographic operation failed: \(m)"
    }
  }
}
