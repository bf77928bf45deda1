import Foundation
import TLS
import Testing

@Suite struct SelfSignedCertificateTests {
  static let names = ["mail.example.test", "localhost", "127.0.0.1", "::1"]

  private func mode(_ path: String) -> mode_t {
    var st = stat()
    #expect(stat(path, &st) == 0, "\(path)")
    return st.st_mode & 0o777
  }

  private func modificationTime(_ path: String) -> timespec {
    var st = stat()
    _ = stat(path, &st)
    return st.st_mtim
  }

  private func contents(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

  @Test func createsReusesAndRegenerates() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let tlsDir = dir.appending("data/tls")  // parents are created too

    let first = try SelfSignedCertificate.ensure(directory: tlsDir, names: Self.names)
    #expect(first.certPath == tlsDir + "/cert.pem")
    #expect(first.keyPath == tlsDir + "/key.pem")
    #expect(mode(tlsDir) == 0o700)
    #expect(mode(first.keyPath) == 0o600)
    let info = try CertificateInfo.load(pemPath: first.certPath)
    #expect(info.dnsNames == ["mail.example.test", "localhost"])
    #expect(info.ipAddresses == ["127.0.0.1", "::1"])
    #expect(info.commonName == "mail.example.test")
    #expect(try CertificateInfo.names(pemPath: first.certPath) == Self.names)
    let years = Double(info.notAfter - Int(Date().timeIntervalSince1970)) / (365.25 * 86_400)
    #expect(years > 9.9 && years < 10.1)
    let certBytes = contents(first.certPath)
    let keyBytes = contents(first.keyPath)
    let certTime = modificationTime(first.certPath)

    // The same set in another order, case and spelling: nothing is rewritten.
    let again = try SelfSignedCertificate.ensure(
      directory: tlsDir,
      names: ["::1", "LOCALHOST", "0:0:0:0:0:0:0:1", "127.0.0.1", "Mail.Example.Test."])
    #expect(again.certPath == first.certPath && again.keyPath == first.keyPath)
    #expect(contents(again.certPath) == certBytes)
    #expect(contents(again.keyPath) == keyBytes)
    let againTime = modificationTime(again.certPath)
    #expect(againTime.tv_sec == certTime.tv_sec && againTime.tv_nsec == certTime.tv_nsec)

    // A new name means a new certificate (and key) with the new set.
    let changed = try SelfSignedCertificate.ensure(
      directory: tlsDir, names: Self.names + ["imap.example.test"])
    #expect(contents(changed.certPath) != certBytes)
    #expect(contents(changed.keyPath) != keyBytes)
    #expect(mode(changed.keyPath) == 0o600)
    #expect(
      try CertificateInfo.load(pemPath: changed.certPath).dnsNames.contains("imap.example.test"))
    // A dropped name also counts as a change.
    let shrunk = try SelfSignedCertificate.ensure(directory: tlsDir, names: ["localhost"])
    #expect(try CertificateInfo.names(pemPath: shrunk.certPath) == ["localhost"])
    // The pair works as a server certificate.
    let files = TLSContext.CertificateFiles(certPath: shrunk.certPath, keyPath: shrunk.keyPath)
    #expect(try TLSContext.server(certificates: [files]).certificateNames == [["localhost"]])
    // No temporary files are left behind.
    let left = try FileManager.default.contentsOfDirectory(atPath: tlsDir).sorted()
    #expect(left == [".lock", "cert.pem", "key.pem"])
  }

  @Test func replacesAPairWhoseKeyDoesNotMatch() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let made = try SelfSignedCertificate.ensure(directory: dir.path, names: ["a.test"])
    let other = try SelfSignedCertificate.generate(names: ["a.test"])
    try other.keyPEM.write(toFile: made.keyPath, atomically: true, encoding: .utf8)
    let before = contents(made.certPath)

    let fixed = try SelfSignedCertificate.ensure(directory: dir.path, names: ["a.test"])
    #expect(contents(fixed.certPath) != before)
    let files = TLSContext.CertificateFiles(certPath: fixed.certPath, keyPath: fixed.keyPath)
    #expect(throws: Never.self) { try TLSContext.server(certificates: [files]) }
  }

  @Test func rejectsBadNames() {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    for bad in ["bad name!", "-lead.test", "a..b", "*.test", "a.*.test", "mail.example.test:25"] {
      #expect(throws: TLSError.invalidName(bad)) {
        try SelfSignedCertificate.ensure(directory: dir.path, names: ["ok.test", bad])
      }
    }
    #expect(throws: TLSError.self) {
      try SelfSignedCertificate.ensure(directory: dir.path, names: [])
    }
    #expect(!FileManager.default.fileExists(atPath: dir.appending("cert.pem")))
  }

  @Test func generatesInMemory() throws {
    let made = try SelfSignedCertificate.generate(names: ["*.wild.test", "wild.test", "10.1.2.3"])
    #expect(made.certificatePEM.hasPrefix("-----BEGIN CERTIFICATE-----"))
    #expect(made.keyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))
  }
}
