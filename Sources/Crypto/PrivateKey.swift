internal import COpenSSL

/// A private signing key: RSA (DKIM `rsa-sha256`, certificates) or Ed25519 (DKIM
/// `ed25519-sha256`, RFC 8463).
///
/// Sendable without a lock: the EVP_PKEY is never modified after creation and OpenSSL
/// allows concurrent read-only use; every signature uses its own digest context.
public final class PrivateKey: @unchecked Sendable {
  let pkey: OpaquePointer
  /// RSA or Ed25519.
  public let type: KeyType

  private init(owning pkey: OpaquePointer) throws(CryptoError) {
    do {
      self.type = try KeyType(pkey: pkey)
    } catch {
      EVP_PKEY_free(pkey)
      throw error
    }
    self.pkey = pkey
  }

  deinit { EVP_PKEY_free(pkey) }

  /// Generates a new RSA key of `bits` bits (at least 2048; RFC 8301 §3.2 asks DKIM
  /// signers for 2048). Takes tens to hundreds of milliseconds: run it off the async threads.
  public static func generateRSA(bits: Int = 2048) throws(CryptoError) -> PrivateKey {
    guard bits >= 2048, bits <= 16384 else {
      throw .invalidParameter("RSA key size must be between 2048 and 16384 bits, got \(bits)")
    }
    // EVP_RSA_gen is a variadic macro Swift cannot call; this is the EVP_PKEY_CTX route.
    return try generate(EVP_PKEY_RSA) { ctx in
      cssl_EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, Int32(bits)) > 0
    }
  }

  /// Generates a new Ed25519 key.
  public static func generateEd25519() throws(CryptoError) -> PrivateKey {
    try generate(EVP_PKEY_ED25519) { _ in true }
  }

  private static func generate(
    _ id: Int32, configure: (OpaquePointer) -> Bool
  ) throws(CryptoError) -> PrivateKey {
    ERR_clear_error()
    guard let ctx = EVP_PKEY_CTX_new_id(id, nil) else {
      throw .keyGeneration(OpenSSLErrors.drain(fallback: "EVP_PKEY_CTX_new_id failed"))
    }
    defer { EVP_PKEY_CTX_free(ctx) }
    var pkey: OpaquePointer?
    guard EVP_PKEY_keygen_init(ctx) > 0, configure(ctx), EVP_PKEY_keygen(ctx, &pkey) > 0,
      let pkey
    else {
      throw .keyGeneration(OpenSSLErrors.drain(fallback: "EVP_PKEY_keygen failed"))
    }
    return try PrivateKey(owning: pkey)
  }

  /// Parses a PEM private key: PKCS#8 (`BEGIN PRIVATE KEY`) or traditional RSA
  /// (`BEGIN RSA PRIVATE KEY`). Encrypted keys are refused rather than prompting
  /// for a passphrase on the terminal.
  public convenience init(pem: String) throws(CryptoError) {
    ERR_clear_error()
    let bytes = Array(pem.utf8)
    let parsed: OpaquePointer? = bytes.withUnsafeBytes { raw in
      guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
      defer { BIO_free(bio) }
      return PEM_read_bio_PrivateKey(bio, nil, refusePassphrase, nil)
    }
    guard let parsed else {
      throw .invalidKey(OpenSSLErrors.drain(fallback: "no PEM private key found"))
    }
    try self.init(owning: parsed)
  }

  /// An Ed25519 key from its 32-byte private seed (RFC 8032 §5.1.5).
  public convenience init(ed25519Seed seed: [UInt8]) throws(CryptoError) {
    guard seed.count == 32 else {
      throw .invalidKey("an Ed25519 private key is 32 bytes, got \(seed.count)")
    }
    ERR_clear_error()
    let pkey = seed.withUnsafeBufferPointer {
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, $0.baseAddress, 32)
    }
    guard let pkey else {
      throw .invalidKey(OpenSSLErrors.drain(fallback: "EVP_PKEY_new_raw_private_key failed"))
    }
    try self.init(owning: pkey)
  }

  /// Key size in bits (2048 for DKIM RSA keys, 256 for Ed25519).
  public var bits: Int { Int(EVP_PKEY_get_bits(pkey)) }

  /// The key as unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). Store it 0600.
  public func pem() throws(CryptoError) -> String {
    ERR_clear_error()
    guard let bio = BIO_new(BIO_s_mem()) else {
      throw .operationFailed(OpenSSLErrors.drain(fallback: "BIO_new failed"))
    }
    defer { BIO_free(bio) }
    guard PEM_write_bio_PrivateKey(bio, pkey, nil, nil, 0, nil, nil) == 1 else {
      throw .operationFailed(OpenSSLErrors.drain(fallback: "PEM_write_bio_PrivateKey failed"))
    }
    return MemoryBIO.string(bio)
  }

  /// The matching public key.
  public var publicKey: PublicKey {
    // Re-parsing our own SubjectPublicKeyInfo cannot fail.
    try! PublicKey(der: PublicKey.spki(of: pkey))
  }

  /// Signs `data`. RSA: RSASSA-PKCS1-v1_5 over SHA-256(`data`) (DKIM `rsa-sha256` passes
  /// the canonicalised header block). Ed25519: PureEdDSA over `data` itself — DKIM
  /// `ed25519-sha256` passes the SHA-256 digest of the header block (RFC 8463 §3).
  public func sign(_ data: some Sequence<UInt8>) throws(CryptoError) -> [UInt8] {
    ERR_clear_error()
    guard let md = EVP_MD_CTX_new() else {
      throw .operationFailed(OpenSSLErrors.drain(fallback: "EVP_MD_CTX_new failed"))
    }
    defer { EVP_MD_CTX_free(md) }
    guard EVP_DigestSignInit(md, nil, type.signingDigest, nil, pkey) == 1 else {
      throw .operationFailed(OpenSSLErrors.drain(fallback: "EVP_DigestSignInit failed"))
    }
    let signature: [UInt8]? = data.withByteBuffer { p, n in
      var length = 0
      guard EVP_DigestSign(md, nil, &length, p, n) == 1 else { return nil }
      return [UInt8].filled(count: length) { out in
        EVP_DigestSign(md, out, &length, p, n) == 1 ? length : nil
      }
    }
    guard let signature else {
      throw .operationFailed(OpenSSLErrors.drain(fallback: "EVP_DigestSign failed"))
    }
    return signature
  }
}

/// Passphrase callback that supplies none, so an encrypted PEM key fails to load
/// instead of OpenSSL prompting on the controlling terminal.
let refusePassphrase:
  @convention(c) (
    UnsafeMutablePointer<CChar>?, Int32, Int32, UnsafeMutableRawPointer?
  ) -> Int32 = { _, _, _, _ in 0 }

/// Reading the contents of a memory BIO.
enum MemoryBIO {
  static func bytes(_ bio: OpaquePointer) -> [UInt8] {
    let n = Int(BIO_ctrl_pending(bio))
    guard n > 0 else { return [] }
    return [UInt8].filled(count: n) { out in
      let r = BIO_read(bio, out, Int32(n))
      return r > 0 ? Int(r) : 0
    } ?? []
  }

  static func string(_ bio: OpaquePointer) -> String {
    String(decoding: bytes(bio), as: UTF8.self)
  }
}
