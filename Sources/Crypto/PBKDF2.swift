internal import COpenSSL

/// PBKDF2 (RFC 8018 §5.2). With HMAC-SHA-256 it is both the stored password hash and
/// SCRAM-SHA-256's SaltedPassword (RFC 5802 §3 `Hi()`).
public enum PBKDF2 {
  /// Derives `length` bytes from `password` and `salt` with PBKDF2-HMAC-SHA-256.
  /// Costs `iterations` HMAC computations per 32 output bytes: run it off the async threads.
  public static func sha256(
    password: some Sequence<UInt8>, salt: some Sequence<UInt8>, iterations: Int, length: Int = 32
  ) throws(CryptoError) -> [UInt8] {
    try derive(.sha256, password: password, salt: salt, iterations: iterations, length: length)
  }

  /// PBKDF2 with HMAC over `algorithm`.
  public static func derive(
    _ algorithm: HashAlgorithm, password: some Sequence<UInt8>, salt: some Sequence<UInt8>,
    iterations: Int, length: Int
  ) throws(CryptoError) -> [UInt8] {
    guard iterations >= 1, iterations <= Int(Int32.max) else {
      throw .invalidParameter(
        "PBKDF2 iterations must be between 1 and \(Int32.max), got \(iterations)")
    }
    guard length >= 1, length <= 1 << 20 else {
      throw .invalidParameter("PBKDF2 output length must be between 1 and 1 MiB, got \(length)")
    }
    let md = algorithm.md
    ERR_clear_error()
    let out = [UInt8].filled(count: length) { out in
      password.withByteBuffer { p, pn in
        salt.withByteBuffer { s, sn in
          p.withMemoryRebound(to: CChar.self, capacity: Swift.max(pn, 1)) { pc in
            PKCS5_PBKDF2_HMAC(
              pc, Int32(pn), s, Int32(sn), Int32(iterations), md, Int32(length), out)
              == 1 ? length : nil
          }
        }
      }
    }
    guard let out else { throw .operationFailed(OpenSSLErrors.drain(fallback: "PBKDF2 failed")) }
    return out
  }
}
