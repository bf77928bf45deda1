import Config
import Foundation
import TLS

/// Builds the server TLS context a configuration asks for: its certificates,
/// or a self-signed one under `data_dir/tls` covering every name clients may use.
enum TLSSetup {
  /// The names a self-signed certificate must carry: clients that pin it
  /// check one of these.
  static func selfSignedNames(_ config: PostaConfig) -> [String] {
    var names = config.hostNames + ["localhost", "127.0.0.1", "::1"]
    for service in ListenService.allCases {
      for address in config.listen[service] {
        // Wildcard binds are not names anyone connects to.
        if address.host != "0.0.0.0" && address.host != "::" { names.append(address.host) }
      }
    }
    var seen = Set<String>()
    return names.map { $0.lowercased() }.filter { seen.insert($0).inserted }
  }

  /// Loads or creates the certificates. Slow (key generation): call off the
  /// cooperative pool.
  static func makeContext(_ config: PostaConfig) throws -> TLSContext {
    if config.certificates.isEmpty {
      try FileManager.default.createDirectory(
        atPath: config.dataDir, withIntermediateDirectories: true,
        attributes: [.posixPermissions: 0o700])
      let files = try SelfSignedCertificate.ensure(
        directory: config.tlsDirectory, names: selfSignedNames(config))
      return try TLSContext.server(certificates: [
        .init(certPath: files.certPath, keyPath: files.keyPath)
      ])
    }
    return try TLSContext.server(
      certificates: config.certificates.map { .init(certPath: $0.cert, keyPath: $0.key) })
  }
}
