import Crypto

/// A private key and the selector its public key is published under
/// (`<selector>._domainkey.<domain>`).
public struct DKIMKey: Sendable {
  /// The selector (`s=`).
  public let selector: String
  /// The signing key: RSA (`rsa-sha256`) or Ed25519 (`ed25519-sha256`).
  public let privateKey: PrivateKey

  /// Pairs `privateKey` with `selector`, which must be DNS sub-domain syntax (RFC 6376 §3.1).
  public init(selector: String, privateKey: PrivateKey) throws(DKIMError) {
    guard DKIMNames.isValidSelector(selector) else { throw .invalidSelector(selector) }
    self.selector = selector
    self.privateKey = privateKey
  }

  /// The algorithm this key signs with.
  public var algorithm: DKIMAlgorithm { DKIMAlgorithm(keyType: privateKey.type) }

  /// The public half, for the DNS record.
  public var publicKey: PublicKey { privateKey.publicKey }

  /// The signature over the header hash input `data` (RFC 6376 §3.7): RSA signs SHA-256 of
  /// the data; Ed25519 signs the SHA-256 digest of the data itself (RFC 8463 §3).
  func signature(over data: [UInt8]) throws(DKIMError) -> [UInt8] {
    do {
      switch privateKey.type {
      case .rsa: return try privateKey.sign(data)
      case .ed25519: return try privateKey.sign(SHA256.hash(data))
      }
    } catch {
      throw .crypto(error)
    }
  }
}

/// Syntax checks for the names that end up in DNS, in tags and in file names.
enum DKIMNames {
  /// RFC 6376 §3.1: `selector = sub-domain *( "." sub-domain )`.
  static func isValidSelector(_ s: String) -> Bool {
    !s.isEmpty && s.utf8.count <= 253
      && s.split(separator: ".", omittingEmptySubsequences: false)
        .allSatisfy { isLabel($0.utf8) }
  }

  /// What the key store accepts as a selector: one label, lowercase, so that it is also a
  /// safe file name and means the same on a case-insensitive file system.
  static func isStoreSelector(_ s: String) -> Bool {
    isLabel(s.utf8) && !s.utf8.contains { $0 >= 0x41 && $0 <= 0x5A }
  }

  /// A host name of at least two labels, ASCII only (an IDN must arrive in A-label form).
  /// A trailing dot is not part of it.
  static func isValidDomain(_ d: String) -> Bool {
    let labels = d.split(separator: ".", omittingEmptySubsequences: false)
    return d.utf8.count <= 253 && labels.count >= 2 && labels.allSatisfy { isLabel($0.utf8) }
  }

  /// A DNS label (RFC 5321 `sub-domain`): 1-63 letters, digits and hyphens, not starting or
  /// ending with a hyphen.
  private static func isLabel(_ bytes: some Collection<UInt8>) -> Bool {
    guard let first = bytes.first, let last = bytes.reversed().first, bytes.count <= 63 else {
      return false
    }
    guard first != 0x2D, last != 0x2D else { return false }
    return bytes.allSatisfy { b in
      (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
        || b == 0x2D
    }
  }
}
