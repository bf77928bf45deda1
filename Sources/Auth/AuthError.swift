import Crypto

/// Errors from hashing passwords and reading stored hashes.
public enum AuthError: Error, Equatable, Sendable, CustomStringConvertible {
  /// A stored hash is not in the `SCRAM-SHA-256$iterations:salt$storedKey:serverKey` form.
  case invalidPasswordHash(String)
  /// Too many key derivations are already waiting; the server is overloaded.
  case kdfOverloaded(queued: Int)
  /// The key-derivation threads were shut down.
  case kdfStopped
  /// A parameter was out of range (iteration count, salt length).
  case invalidParameter(String)
  /// OpenSSL failed (randomness unavailable, PBKDF2 error).
  case crypto(CryptoError)

  public var description: String {
    switch self {
    case .invalidPasswordHash(let m):
      "stored password hash is unreadable (\(m)); set a new one with `posta user passwd`"
    case .kdfOverloaded(let n):
      "\(n) password checks are already waiting; try again shortly"
    case .kdfStopped: "the password hashing threads have stopped (server shutting down)"
    case .invalidParameter(let m): "invalid parameter: \(m)"
    case .crypto(let e): "\(e)"
    }
  }
}
