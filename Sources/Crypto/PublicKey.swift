internal import COpenSSL

/// A public key for verifying RSA or Ed25519 signatures, and its DKIM record form.
///
/// Sendable without a lock for the same reason as `PrivateKey`: the EVP_PKEY is
/// immutable after creation and OpenSSL allows concurrent read-only use.
public final class PublicKey: @unchecked Sendable {
  let pkey: OpaquePointer
  /// RSA or Ed25519.
  public let type: KeyType

  /// Parses a DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).
  public init(der: [UInt8]) throws(CryptoError) {
    ERR_clear_error()
    let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buf in
      var p = buf.baseAddress
      return d2i_PUBKEY(nil, &p, buf.count)
    }
    guard let parsed else {
      throw .invalidKey(OpenSSLErrors.drain(fallback: "not a DER SubjectPublicKeyInfo"))
    }
    do {
      self.type = try KeyType(pkey: parsed)
    } catch {
      EVP_PKEY_free(parsed)
      throw error
    }
    self.pkey = parsed
  }

  /// An Ed25519 public key from its raw 32 bytes (RFC 8032 §5.1.5; DKIM's `p=` per RFC 8463).
  public init(ed25519Raw raw: [UInt8]) throws(CryptoError) {
    guard raw.count == 32 else {
      throw .invalidKey("an Ed25519 public key is 32 bytes, got \(raw.count)")
    }
    ERR_clear_error()
    let parsed = raw.withUnsafeBufferPointer {
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, $0.baseAddress, 32)
    }
    guard let parsed else {
      throw .invalidKey(OpenSSLErrors.drain(fallback: "EVP_PKEY_new_raw_public_key failed"))
    }
    self.pkey = parsed
    self.type = .ed25519
  }

  /// A key from a DKIM record's `k=` type and `p=` value (whitespace allowed, as DNS
  /// TXT records fold it). RSA values are DER SubjectPublicKeyInfo; Ed25519 values are
  /// the raw key (RFC 8463 §4).
  public convenience init(dkimType: KeyType, base64 value: String) throws(CryptoError) {
    let bytes: [UInt8]
    do {
      bytes = try Base64.decode(value, ignoringWhitespace: true)
    } catch {
      throw .invalidKey("DKIM p= value: \(error)")
    }
    switch dkimType {
    case .rsa:
      try self.init(der: bytes)
      guard type == .rsa else { throw .invalidKey("k=rsa but p= holds an \(type.rawValue) key") }
    case .ed25519:
      try self.init(ed25519Raw: bytes)
    }
  }

  deinit { EVP_PKEY_free(pkey) }

  /// Key size in bits.
  public var bits: Int { Int(EVP_PKEY_get_bits(pkey)) }

  /// DER SubjectPublicKeyInfo.
  public var der: [UInt8] { Self.spki(of: pkey) }

  /// The raw 32-byte key for Ed25519; nil for RSA.
  public var rawEd25519: [UInt8]? {
    guard type == .ed25519 else { return nil }
    var length = 32
    return [UInt8].filled(count: 32) { out in
      EVP_PKEY_get_raw_public_key(pkey, out, &length) == 1 ? length : nil
    }
  }

  /// The base64 value for a DKIM TXT record's `p=` tag: the DER SubjectPublicKeyInfo for
  /// RSA (RFC 6376 §3.6.1), the raw 32-byte key for Ed25519 (RFC 8463 §4).
  public var dkimRecordValue: String {
    Base64.encode(rawEd25519 ?? der)
  }

  /// Whether `signature` is valid for `data` (same conventions as `PrivateKey.sign`).
  public func verify(signature: [UInt8], for data: some Sequence<UInt8>) -> Bool {
    ERR_clear_error()
    defer { ERR_clear_error() }
    guard let md = EVP_MD_CTX_new() else { return false }
    defer { EVP_MD_CTX_free(md) }
    guard EVP_DigestVerifyInit(md, nil, type.signingDigest, nil, pkey) == 1 else { return false }
    return signature.withUnsafeBufferPointer { sig in
      data.withByteBuffer { p, n in
        EVP_DigestVerify(md, sig.baseAddress, sig.count, p, n) == 1
      }
    }
  }

  static func spki(of pkey: OpaquePointer) -> [UInt8] {
    let length = i2d_PUBKEY(pkey, nil)
    guard length > 0 else { return [] }
    return [UInt8].filled(count: Int(length)) { out in
      var p: UnsafeMutablePointer<UInt8>? = out
      return Int(i2d_PUBKEY(pkey, &p))
    } ?? []
  }
}
