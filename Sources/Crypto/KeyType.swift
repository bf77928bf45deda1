internal import COpenSSL

/// The signature key types Posta uses. The raw values are DKIM's `k=` tag values
/// (RFC 6376 §3.6.1, RFC 8463 §4).
public enum KeyType: String, Sendable, Hashable {
  /// RSA; signatures are RSASSA-PKCS1-v1_5 with SHA-256 (DKIM `rsa-sha256`).
  case rsa
  /// Ed25519 (RFC 8032); signatures are PureEdDSA over the data given.
  case ed25519

  init(pkey: OpaquePointer) throws(CryptoError) {
    switch EVP_PKEY_get_base_id(pkey) {
    case EVP_PKEY_RSA: self = .rsa
    case EVP_PKEY_ED25519: self = .ed25519
    case let id:
      let name = OBJ_nid2sn(id).map { String(cString: $0) } ?? "nid \(id)"
      throw .unsupportedKeyType(name)
    }
  }

  /// The digest used with this key type when signing (nil: the algorithm hashes itself).
  var signingDigest: OpaquePointer? {
    switch self {
    case .rsa: EVP_sha256()
    case .ed25519: nil
    }
  }
}
