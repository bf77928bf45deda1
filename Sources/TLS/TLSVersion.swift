internal import COpenSSL

/// TLS protocol versions, for client contexts' version bounds. Servers always
/// speak exactly TLS 1.2 and 1.3.
public enum TLSVersion: Int, Sendable, Comparable, CaseIterable {
  case tls10 = 0
  case tls11
  case tls12
  case tls13

  public static func < (a: TLSVersion, b: TLSVersion) -> Bool { a.rawValue < b.rawValue }

  /// The name OpenSSL reports for a session ("TLSv1.3").
  public var name: String {
    switch self {
    case .tls10: "TLSv1"
    case .tls11: "TLSv1.1"
    case .tls12: "TLSv1.2"
    case .tls13: "TLSv1.3"
    }
  }

  var openSSLValue: Int32 {
    switch self {
    case .tls10: TLS1_VERSION
    case .tls11: TLS1_1_VERSION
    case .tls12: TLS1_2_VERSION
    case .tls13: TLS1_3_VERSION
    }
  }
}
