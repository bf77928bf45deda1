internal import COpenSSL
import Crypto
import Glibc

/// The certificate Posta makes for itself on first start when the configuration names
/// none: RSA-2048, SHA-256, valid ten years, a SAN entry for every name (DNS names and
/// IP addresses) and the first name as CN.
public enum SelfSignedCertificate {
  /// A certificate is replaced when it expires within this many seconds (30 days).
  public static let renewalMargin = 30 * 86_400
  /// Validity of a new certificate in days (about ten years).
  public static let validityDays = 3_650

  /// Returns `cert.pem` and `key.pem` in `directory`, reusing the existing pair when
  /// its SAN set equals `names` (compared normalized: lowercase, canonical IPs, order
  /// and duplicates ignored), the key matches and it is not about to expire; otherwise
  /// writes a new pair. Creates `directory` (0700) if needed; the key is written 0600,
  /// each file through a temporary file and a rename. Safe against a concurrent call
  /// from another process (an advisory lock on `directory/.lock`).
  public static func ensure(directory: String, names: [String]) throws(TLSError) -> (
    certPath: String, keyPath: String
  ) {
    let wanted = try normalizedNames(names)
    try FileSystem.makeDirectory(directory, mode: 0o700)
    let certPath = FileSystem.join(directory, "cert.pem")
    let keyPath = FileSystem.join(directory, "key.pem")
    let lock = try FileSystem.lock(FileSystem.join(directory, ".lock"))
    defer { Glibc.close(lock) }
    if isReusable(certPath: certPath, keyPath: keyPath, names: wanted) {
      return (certPath, keyPath)
    }
    let made = try generate(names: wanted)
    // Key first: a crash in between leaves a mismatched pair, which the next call
    // detects and replaces.
    try FileSystem.writeAtomically(keyPath, Array(made.keyPEM.utf8), mode: 0o600)
    try FileSystem.writeAtomically(certPath, Array(made.certificatePEM.utf8), mode: 0o644)
    try FileSystem.syncDirectory(directory)
    return (certPath, keyPath)
  }

  /// A new self-signed certificate and its key as PEM text, without touching the disk.
  public static func generate(names: [String], validDays: Int = validityDays) throws(TLSError)
    -> (certificatePEM: String, keyPEM: String)
  {
    let wanted = try normalizedNames(names)
    guard validDays >= 1 else { throw .certificateGeneration("validity must be at least a day") }
    let keyPEM: String
    let serial: [UInt8]
    do {
      keyPEM = try PrivateKey.generateRSA(bits: 2048).pem()
      serial = try SecureRandom.bytes(16)
    } catch {
      throw .certificateGeneration(error.description)
    }
    let pkey = try parseKey(keyPEM)
    defer { EVP_PKEY_free(pkey) }

    ERR_clear_error()
    guard let x509 = X509_new() else { throw failure("X509_new failed") }
    defer { X509_free(x509) }
    try build(x509, key: pkey, names: wanted, serial: serial, validDays: validDays)
    guard X509_sign(x509, pkey, EVP_sha256()) > 0 else { throw failure("X509_sign failed") }

    guard let bio = BIO_new(BIO_s_mem()) else { throw failure("BIO_new failed") }
    defer { BIO_free(bio) }
    guard PEM_write_bio_X509(bio, x509) == 1 else { throw failure("PEM_write_bio_X509 failed") }
    return (MemoryBIO.string(bio), keyPEM)
  }

  /// Lowercased, canonical, de-duplicated names in their given order.
  static func normalizedNames(_ names: [String]) throws(TLSError) -> [String] {
    var out: [String] = []
    for raw in names {
      let name = HostName.normalize(String(raw.filter { $0 != " " && $0 != "\t" }))
      guard HostName.canonicalIP(name) != nil || HostName.isValidDNSName(name) else {
        throw .invalidName(raw)
      }
      if !out.contains(name) { out.append(name) }
    }
    guard !out.isEmpty else {
      throw .certificateGeneration("a certificate needs at least one name")
    }
    return out
  }

  private static func isReusable(certPath: String, keyPath: String, names: [String]) -> Bool {
    guard let info = try? CertificateInfo.load(pemPath: certPath) else { return false }
    guard Set(info.dnsNames + info.ipAddresses) == Set(names) else { return false }
    guard info.notAfter > Int(time(nil)) + renewalMargin else { return false }
    guard let x509 = try? X509File.read(certPath) else { return false }
    defer { X509_free(x509) }
    guard let key = try? X509File.readKey(keyPath) else { return false }
    defer { EVP_PKEY_free(key) }
    let matches = X509_check_private_key(x509, key) == 1
    ERR_clear_error()
    return matches
  }

  private static func parseKey(_ pem: String) throws(TLSError) -> OpaquePointer {
    ERR_clear_error()
    let bytes = Array(pem.utf8)
    let key: OpaquePointer? = bytes.withUnsafeBytes { raw in
      guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
      defer { BIO_free(bio) }
      return PEM_read_bio_PrivateKey(bio, nil, refusePassphrase, nil)
    }
    guard let key else { throw failure("cannot read the generated key") }
    return key
  }

  private static func build(
    _ x509: OpaquePointer, key: OpaquePointer, names: [String], serial: [UInt8], validDays: Int
  ) throws(TLSError) {
    guard X509_set_version(x509, 2) == 1 else { throw failure("X509_set_version failed") }  // v3
    var positive = serial
    positive[0] &= 0x7F  // RFC 5280 §4.1.2.2: a positive integer
    guard let bn = BN_bin2bn(positive, Int32(positive.count), nil) else {
      throw failure("BN_bin2bn failed")
    }
    defer { BN_free(bn) }
    guard BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x509)) != nil else {
      throw failure("cannot set the serial number")
    }
    // Backdated a day so clients with a slow clock accept it at once.
    guard X509_gmtime_adj(X509_getm_notBefore(x509), -86_400) != nil,
      X509_gmtime_adj(X509_getm_notAfter(x509), validDays * 86_400) != nil,
      X509_set_pubkey(x509, key) == 1
    else { throw failure("cannot set validity or public key") }

    guard let subject = X509_get_subject_name(x509) else { throw failure("no subject name") }
    // ub-common-name is 64 (RFC 5280 Appendix A); longer names live in the SAN only.
    let cn = Array(names[0].utf8)
    if cn.count <= 64 {
      guard
        X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, cn, Int32(cn.count), -1, 0)
          == 1
      else { throw failure("cannot set the common name") }
    }
    guard X509_set_issuer_name(x509, subject) == 1 else { throw failure("cannot set the issuer") }

    // An end-entity certificate that also works as its own trust anchor (clients pin it
    // with a CA file); key usages fit both RSA key exchange and signatures.
    try addExtension(x509, NID_basic_constraints, "critical,CA:FALSE")
    try addExtension(x509, NID_key_usage, "critical,digitalSignature,keyEncipherment")
    try addExtension(x509, NID_ext_key_usage, "serverAuth")
    // No authorityKeyIdentifier: RFC 5280 §4.2.1.1 lets self-signed certificates omit
    // it, and OpenSSL 3.0 would write an empty one here.
    try addExtension(x509, NID_subject_key_identifier, "hash")
    try addSubjectAltNames(x509, names)
  }

  private static func addExtension(
    _ x509: OpaquePointer, _ nid: Int32, _ value: String
  ) throws(TLSError) {
    var v3 = X509V3_CTX()
    X509V3_set_ctx(&v3, x509, x509, nil, nil, 0)
    guard let ext = X509V3_EXT_conf_nid(nil, &v3, nid, value) else {
      throw failure("cannot build extension \(value)")
    }
    defer { X509_EXTENSION_free(ext) }
    guard X509_add_ext(x509, ext, -1) == 1 else { throw failure("cannot add extension \(value)") }
  }

  private static func addSubjectAltNames(_ x509: OpaquePointer, _ names: [String]) throws(TLSError)
  {
    guard let stack = cssl_sk_GENERAL_NAME_new_null() else { throw failure("out of memory") }
    defer { cssl_GENERAL_NAMES_free(stack) }
    for name in names {
      let type = HostName.canonicalIP(name) != nil ? GEN_IPADD : GEN_DNS
      guard let gn = a2i_GENERAL_NAME(nil, nil, nil, type, name, 0) else {
        throw failure("cannot encode the name \(name)")
      }
      guard cssl_sk_GENERAL_NAME_push(stack, gn) > 0 else {
        GENERAL_NAME_free(gn)
        throw failure("out of memory")
      }
    }
    guard
      X509_add1_ext_i2d(x509, NID_subject_alt_name, UnsafeMutableRawPointer(stack), 0, 0) == 1
    else { throw failure("cannot add subjectAltName") }
  }

  private static func failure(_ what: String) -> TLSError {
    let reason = OpenSSLErrors.drain(fallback: "")
    return .certificateGeneration(reason.isEmpty ? what : "\(what): \(reason)")
  }
}
