/// `[[tls.certificate]]`: a certificate and its private key, both PEM files. Which one a
/// connection gets is decided by SNI against the names inside each certificate.
public struct CertificateConfig: Sendable, Equatable {
  /// Absolute path of the certificate (leaf first, then its chain).
  public var cert: String
  /// Absolute path of the private key.
  public var key: String

  public init(cert: String, key: String) {
    self.cert = cert
    self.key = key
  }

  static let unset = CertificateConfig(cert: "", key: "")
}
