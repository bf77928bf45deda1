/// Errors from TLS setup, handshakes and sessions. Each carries OpenSSL's reason
/// string where there is one ("unsupported protocol", "certificate verify failed:
/// self-signed certificate"...).
public enum TLSError: Error, Equatable, Sendable, CustomStringConvertible {
  /// A certificate or key file could not be loaded or does not fit its partner.
  case certificate(path: String, reason: String)
  /// A context could not be configured (no certificates, wrong role, OpenSSL refused a setting).
  case configuration(String)
  /// The handshake failed; the peer was sent an alert where TLS allows one.
  case handshake(String)
  /// The peer closed the connection before the handshake finished.
  case closedDuringHandshake
  /// An established session failed (bad record, unexpected message).
  case protocolFailure(String)
  /// The stream was written to after `close()`.
  case streamClosed
  /// A name for a certificate is neither a DNS name nor an IP address.
  case invalidName(String)
  /// Building a certificate failed inside OpenSSL.
  case certificateGeneration(String)
  /// Reading or writing a file or directory failed.
  case file(path: String, reason: String)

  public var description: String {
    switch self {
    case .certificate(let path, let reason): "\(path): \(reason)"
    case .configuration(let m): "TLS configuration: \(m)"
    case .handshake(let m): "TLS handshake failed: \(m)"
    case .closedDuringHandshake: "TLS handshake failed: the peer closed the connection"
    case .protocolFailure(let m): "TLS session failed: \(m)"
    case .streamClosed: "TLS stream is closed"
    case .invalidName(let n):
      "invalid certificate name \"\(n)\": expected a DNS name or an IP address"
    case .certificateGeneration(let m): "certificate generation failed: \(m)"
    case .file(let path, let reason): "\(path): \(reason)"
    }
  }
}
