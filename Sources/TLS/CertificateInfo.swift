internal import COpenSSL
import Glibc

/// The names and lifetime of an X.509 certificate: what SNI selection, the
/// self-signed certificate's reuse check and tests need to know.
public struct CertificateInfo: Sendable, Equatable {
  /// subjectAltName DNS names, lowercased, in certificate order (wildcards kept as `*.x`).
  public var dnsNames: [String]
  /// subjectAltName IP addresses in canonical text form ("127.0.0.1", "::1").
  public var ipAddresses: [String]
  /// The subject's common name, if any.
  public var commonName: String?
  /// End of validity, seconds since the Unix epoch.
  public var notAfter: Int

  /// The names a client can check: the SAN DNS names and IP addresses; only when the
  /// certificate has neither, the common name (as RFC 6125 §6.4.4 allows as a fallback).
  public var names: [String] {
    if dnsNames.isEmpty && ipAddresses.isEmpty { return commonName.map { [$0] } ?? [] }
    return dnsNames + ipAddresses
  }

  /// The names of the first certificate in the PEM file at `pemPath` (see `names`).
  public static func names(pemPath: String) throws(TLSError) -> [String] {
    try load(pemPath: pemPath).names
  }

  /// Reads the first certificate in the PEM file at `pemPath`.
  public static func load(pemPath: String) throws(TLSError) -> CertificateInfo {
    let x509 = try X509File.read(pemPath)
    defer { X509_free(x509) }
    return CertificateInfo(x509: x509)
  }

  /// Extracts the names of a certificate OpenSSL already holds.
  init(x509: OpaquePointer) {
    var dns: [String] = []
    var ips: [String] = []
    if let sans = cssl_X509_get_subject_alt_names(x509) {
      defer { cssl_GENERAL_NAMES_free(sans) }
      for i in 0..<cssl_sk_GENERAL_NAME_num(sans) {
        guard let gn = cssl_sk_GENERAL_NAME_value(sans, i),
          let str = cssl_GENERAL_NAME_string(gn)
        else { continue }
        let bytes = Self.bytes(of: str)
        switch cssl_GENERAL_NAME_type(gn) {
        case GEN_DNS:
          let name = HostName.normalize(String(decoding: bytes, as: UTF8.self))
          if !dns.contains(name) { dns.append(name) }
        case GEN_IPADD:
          if let ip = HostName.ipString(bytes), !ips.contains(ip) { ips.append(ip) }
        default:
          break
        }
      }
    }
    dnsNames = dns
    ipAddresses = ips
    commonName = Self.commonName(of: x509)
    notAfter = Self.time(X509_get0_notAfter(x509))
  }

  private static func bytes(of str: UnsafePointer<ASN1_STRING>) -> [UInt8] {
    let n = Int(ASN1_STRING_length(str))
    guard n > 0, let p = ASN1_STRING_get0_data(str) else { return [] }
    return Array(UnsafeBufferPointer(start: p, count: n))
  }

  private static func commonName(of x509: OpaquePointer) -> String? {
    guard let subject = X509_get_subject_name(x509) else { return nil }
    let index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1)
    guard index >= 0, let entry = X509_NAME_get_entry(subject, index),
      let data = X509_NAME_ENTRY_get_data(entry)
    else { return nil }
    var utf8: UnsafeMutablePointer<UInt8>?
    let n = ASN1_STRING_to_UTF8(&utf8, data)
    guard n >= 0, let utf8 else { return nil }
    defer { cssl_free(utf8) }
    return String(decoding: UnsafeBufferPointer(start: utf8, count: Int(n)), as: UTF8.self)
  }

  private static func time(_ t: UnsafePointer<ASN1_TIME>?) -> Int {
    guard let t else { return 0 }
    var parts = tm()
    guard ASN1_TIME_to_tm(t, &parts) == 1 else { return 0 }
    return Int(timegm(&parts))
  }
}

/// Loading certificates and keys from PEM files.
enum X509File {
  /// The first certificate in a PEM file; the caller frees it.
  static func read(_ path: String) throws(TLSError) -> OpaquePointer {
    ERR_clear_error()
    guard let bio = BIO_new_file(path, "r") else {
      throw .certificate(path: path, reason: fileReason(errno))
    }
    defer { BIO_free(bio) }
    guard let x509 = PEM_read_bio_X509(bio, nil, nil, nil) else {
      throw .certificate(
        path: path, reason: OpenSSLErrors.drain(fallback: "no PEM certificate found"))
    }
    return x509
  }

  /// The private key in a PEM file; the caller frees it. Encrypted keys are refused.
  static func readKey(_ path: String) throws(TLSError) -> OpaquePointer {
    ERR_clear_error()
    guard let bio = BIO_new_file(path, "r") else {
      throw .certificate(path: path, reason: fileReason(errno))
    }
    defer { BIO_free(bio) }
    guard let key = PEM_read_bio_PrivateKey(bio, nil, refusePassphrase, nil) else {
      throw .certificate(
        path: path,
        reason: OpenSSLErrors.drain(fallback: "no PEM private key found")
          + " (keys must be unencrypted PEM)")
    }
    return key
  }

  static func fileReason(_ code: Int32) -> String {
    code == 0 ? "cannot open file" : String(cString: strerror(code))
  }
}
