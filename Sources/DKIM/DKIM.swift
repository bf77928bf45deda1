import Crypto

/// The DKIM module: signing outbound mail (RFC 6376 with `rsa-sha256`, RFC 8463 with
/// `ed25519-sha256`) and the signing keys behind it.
///
/// It owns header and body canonicalisation (RFC 6376 §3.4), the `DKIM-Signature` field,
/// the on-disk key store under `data_dir/dkim`, and the DNS TXT text admins publish.
///
/// Invariants:
/// - Messages are read through `ByteSource`; the body is canonicalised and hashed in bounded
///   pieces, so a 50 MB message is never copied whole.
/// - Line ends are taken as the SMTP client puts them on the wire (bare CR and bare LF become
///   CRLF, a missing final CRLF is added), so a signature made over a stored message holds
///   for what the receiver sees.
/// - Signatures never use `l=`: a body length limit lets anyone append content.
/// - Key files are created exactly once (exclusive create, then `link`), mode 0600, in
///   directories of mode 0700; two processes never make two keys for one selector.
/// - No globals: the clock is passed in.
enum DKIMModule {}

/// A DKIM signing algorithm (RFC 6376 §3.3, RFC 8463 §3); the raw value is the `a=` tag.
public enum DKIMAlgorithm: String, Sendable, Hashable, CaseIterable {
  /// RSASSA-PKCS1-v1_5 over SHA-256.
  case rsaSHA256 = "rsa-sha256"
  /// Ed25519 (PureEdDSA) over the SHA-256 digest of the header hash input.
  case ed25519SHA256 = "ed25519-sha256"

  /// The algorithm a key of `type` signs with.
  public init(keyType: KeyType) {
    switch keyType {
    case .rsa: self = .rsaSHA256
    case .ed25519: self = .ed25519SHA256
    }
  }

  /// The key type this algorithm needs (the DNS record's `k=` tag).
  public var keyType: KeyType {
    switch self {
    case .rsaSHA256: .rsa
    case .ed25519SHA256: .ed25519
    }
  }
}
