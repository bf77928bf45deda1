internal import COpenSSL

/// The hash functions Posta uses (SCRAM, DKIM, HMAC, PBKDF2).
public enum HashAlgorithm: Sendable, Hashable {
  case sha1
  case sha256

  /// Digest size in bytes.
  public var digestLength: Int {
    switch self {
    case .sha1: 20
    case .sha256: 32
    }
  }

  var md: OpaquePointer {
    switch self {
    case .sha1: EVP_sha1()
    case .sha256: EVP_sha256()
    }
  }

  /// One-shot digest of `data`.
  public func hash(_ data: some Sequence<UInt8>) -> [UInt8] {
    let md = self.md
    let out = [UInt8].filled(count: digestLength) { out in
      data.withByteBuffer { p, n in
        var len: UInt32 = 0
        return EVP_Digest(p, n, out, &len, md, nil) == 1 ? Int(len) : nil
      }
    }
    // EVP_Digest fails only when OpenSSL cannot allocate its context.
    guard let out else { fatalError("EVP_Digest failed: out of memory") }
    return out
  }
}

/// SHA-1 (RFC 3174). Only for protocols that require it (HMAC-SHA1 interop); never
/// for new signatures.
public enum SHA1 {
  /// Digest size in bytes (20).
  public static let digestLength = 20
  /// The SHA-1 digest of `data`.
  public static func hash(_ data: some Sequence<UInt8>) -> [UInt8] { HashAlgorithm.sha1.hash(data) }
}

/// SHA-256 (FIPS 180-4).
public enum SHA256 {
  /// Digest size in bytes (32).
  public static let digestLength = 32
  /// The SHA-256 digest of `data`.
  public static func hash(_ data: some Sequence<UInt8>) -> [UInt8] {
    HashAlgorithm.sha256.hash(data)
  }
}

/// A digest computed piece by piece, so a large message (a DKIM body hash) never has to
/// be in memory at once. Not copyable: it owns an OpenSSL digest context.
public struct IncrementalHash: ~Copyable {
  private let ctx: OpaquePointer
  /// The algorithm this hash computes.
  public let algorithm: HashAlgorithm

  /// Starts a digest with `algorithm`.
  public init(_ algorithm: HashAlgorithm) {
    guard let ctx = EVP_MD_CTX_new(), EVP_DigestInit_ex(ctx, algorithm.md, nil) == 1 else {
      fatalError("EVP_DigestInit_ex failed: out of memory")
    }
    self.ctx = ctx
    self.algorithm = algorithm
  }

  /// Feeds more bytes into the digest.
  public mutating func update(_ data: some Sequence<UInt8>) {
    let ctx = self.ctx
    let ok = data.withByteBuffer { p, n in n == 0 || EVP_DigestUpdate(ctx, p, n) == 1 }
    precondition(ok, "EVP_DigestUpdate failed")
  }

  /// Finishes and returns the digest; the hash cannot be used afterwards.
  public consuming func finalize() -> [UInt8] {
    let ctx = self.ctx
    let out = [UInt8].filled(count: algorithm.digestLength) { out in
      var len: UInt32 = 0
      return EVP_DigestFinal_ex(ctx, out, &len) == 1 ? Int(len) : nil
    }
    guard let out else { fatalError("EVP_DigestFinal_ex failed") }
    return out
  }

  deinit { EVP_MD_CTX_free(ctx) }
}
