internal import COpenSSL

/// HMAC (RFC 2104) over SHA-1 or SHA-256.
public enum HMAC {
  /// HMAC-SHA-256 of `data` under `key` (32 bytes).
  public static func sha256(key: some Sequence<UInt8>, data: some Sequence<UInt8>) -> [UInt8] {
    mac(.sha256, key: key, data: data)
  }

  /// HMAC-SHA-1 of `data` under `key` (20 bytes).
  public static func sha1(key: some Sequence<UInt8>, data: some Sequence<UInt8>) -> [UInt8] {
    mac(.sha1, key: key, data: data)
  }

  /// HMAC of `data` under `key` with `algorithm`.
  public static func mac(
    _ algorithm: HashAlgorithm, key: some Sequence<UInt8>, data: some Sequence<UInt8>
  ) -> [UInt8] {
    let md = algorithm.md
    let out = [UInt8].filled(count: algorithm.digestLength) { out in
      key.withByteBuffer { k, kn in
        data.withByteBuffer { d, dn in
          var len: UInt32 = 0
          // The key pointer is never NULL (withByteBuffer), which matters: some
          // OpenSSL 3.0 releases treat a NULL key as "reuse the previous key".
          return COpenSSL.HMAC(md, k, Int32(kn), d, dn, out, &len) != nil ? Int(len) : nil
        }
      }
    }
    guard let out else { fatalError("HMAC failed: out of memory") }
    return out
  }
}
