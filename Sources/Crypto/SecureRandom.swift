internal import COpenSSL

/// Cryptographically secure random values from OpenSSL's DRBG (seeded by the kernel).
public enum SecureRandom {
  /// `count` random bytes.
  public static func bytes(_ count: Int) throws(CryptoError) -> [UInt8] {
    guard count >= 0, count <= Int(Int32.max) else {
      throw .invalidParameter("random byte count must be between 0 and \(Int32.max), got \(count)")
    }
    if count == 0 { return [] }
    ERR_clear_error()
    let out = [UInt8].filled(count: count) { RAND_bytes($0, Int32(count)) == 1 ? count : nil }
    guard let out else {
      throw .randomUnavailable(OpenSSLErrors.drain(fallback: "RAND_bytes failed"))
    }
    return out
  }

  /// A uniformly distributed integer in `0..<upperBound` (rejection sampling, no modulo bias).
  public static func uniform(below upperBound: Int) throws(CryptoError) -> Int {
    guard upperBound > 0 else {
      throw .invalidParameter("upper bound must be positive, got \(upperBound)")
    }
    let bound = UInt64(upperBound)
    // The largest multiple of `bound` that fits; values at or above it would bias the result.
    let limit = UInt64.max - (UInt64.max % bound)
    while true {
      let b = try bytes(8)
      let v = b.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
      if v < limit { return Int(v % bound) }
    }
  }

  /// A string of `length` characters drawn uniformly from `alphabet` (for tokens and
  /// generated passwords).
  public static func string(length: Int, alphabet: String) throws(CryptoError) -> String {
    let chars = Array(alphabet)
    guard !chars.isEmpty else { throw .invalidParameter("alphabet is empty") }
    var s = ""
    for _ in 0..<max(length, 0) { s.append(chars[try uniform(below: chars.count)]) }
    return s
  }
}

/// Compares two byte strings in time that depends only on their lengths, not their
/// contents (MACs, password hashes, SCRAM proofs). Different lengths are unequal at once:
/// lengths are not secret here.
public func constantTimeEquals(_ a: some Sequence<UInt8>, _ b: some Sequence<UInt8>) -> Bool {
  a.withByteBuffer { pa, na in
    b.withByteBuffer { pb, nb in
      na == nb && CRYPTO_memcmp(pa, pb, na) == 0
    }
  }
}
