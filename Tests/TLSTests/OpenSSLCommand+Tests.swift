import Crypto
import Foundation
import TLS
import Testing

/// Checks our output with an independent implementation: the `openssl` command.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")))
struct OpenSSLCommandTests {
  /// Runs openssl with `arguments`; returns its exit status and combined output.
  func openssl(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }

  @Test func selfSignedCertificateVerifiesAsItsOwnAnchor() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let made = try SelfSignedCertificate.ensure(
      directory: dir.path, names: ["imap.example.test", "127.0.0.1", "::1"])

    let verify = try openssl([
      "verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", made.certPath, made.certPath,
    ])
    #expect(verify.status == 0, "\(verify.output)")
    let host = try openssl([
      "x509", "-in", made.certPath, "-noout", "-checkhost", "imap.example.test",
    ])
    #expect(host.output.contains("does match"), "\(host.output)")
    let ip = try openssl(["x509", "-in", made.certPath, "-noout", "-checkip", "::1"])
    #expect(ip.output.contains("does match"), "\(ip.output)")
    let other = try openssl([
      "x509", "-in", made.certPath, "-noout", "-checkhost", "pop3.example.test",
    ])
    #expect(other.output.contains("NOT match"), "\(other.output)")
    let key = try openssl(["pkey", "-in", made.keyPath, "-noout", "-text"])
    #expect(key.output.contains("2048 bit"), "\(key.output)")
  }

  @Test(arguments: [KeyType.rsa, .ed25519])
  func signaturesVerifyWithOpenSSL(type: KeyType) throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let key = try type == .rsa ? PrivateKey.generateRSA() : PrivateKey.generateEd25519()
    let data = Array("DKIM header block\r\n".utf8)
    let signature = try key.sign(data)
    try Data(data).write(to: URL(fileURLWithPath: dir.appending("data")))
    try Data(signature).write(to: URL(fileURLWithPath: dir.appending("sig")))
    try Data(key.publicKey.der).write(to: URL(fileURLWithPath: dir.appending("pub.der")))
    try key.pem().write(toFile: dir.appending("key.pem"), atomically: true, encoding: .utf8)

    let result: (status: Int32, output: String)
    switch type {
    case .rsa:
      result = try openssl([
        "dgst", "-sha256", "-verify", dir.appending("pub.der"), "-keyform", "DER",
        "-signature", dir.appending("sig"), dir.appending("data"),
      ])
    case .ed25519:
      result = try openssl([
        "pkeyutl", "-verify", "-pubin", "-inkey", dir.appending("pub.der"), "-keyform", "DER",
        "-rawin", "-in", dir.appending("data"), "-sigfile", dir.appending("sig"),
      ])
    }
    #expect(result.status == 0 && result.output.contains("Verified"), "\(result.output)")
    // And openssl reads our PEM private key.
    let parsed = try openssl(["pkey", "-in", dir.appending("key.pem"), "-noout"])
    #expect(parsed.status == 0, "\(parsed.output)")
  }
}

extension OpenSSLCommandTests {
  @Test func encryptedKeyIsRefusedNotPrompted() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let made = try SelfSignedCertificate.ensure(directory: dir.path, names: ["enc.test"])
    let encrypted = dir.appending("encrypted.pem")
    let result = try openssl([
      "pkey", "-in", made.keyPath, "-aes256", "-passout", "pass:secret", "-out", encrypted,
    ])
    #expect(result.status == 0, "\(result.output)")
    let files = TLSContext.CertificateFiles(certPath: made.certPath, keyPath: encrypted)
    #expect {
      try TLSContext.server(certificates: [files])
    } throws: { error in
      guard case .certificate(let path, let reason) = error as? TLSError else { return false }
      return path == encrypted && reason.contains("unencrypted PEM")
    }
  }
}
