import Foundation
import Log
import Testing

@testable import Config

@Suite struct PostaConfigTests {
  @Test func everyKeyAndType() throws {
    let text = """
      hostname = "MX.Example.TEST"
      data_dir = "/var/lib/posta-test"
      log_level = "WARN"

      [listen]
      smtp = ["127.0.0.1:2525", "[::1]:2525"]
      submission = ["localhost:1587"]
      submissions = []
      pop3 = [
        "127.0.0.2:1110",  # loopback alias
      ]
      pop3s = ["[0:0:0:0:0:0:0:1]:1995"]
      imap = ["127.0.0.1:1143"]
      imaps = ["0.0.0.0:1993"]
      trusted_proxies = ["10.0.0.0/8", "192.168.1.7", "2001:db8::/32", "::1"]

      [[tls.certificate]]
      cert = "tls/a.pem"
      key = "/etc/keys/a.key"

      [[tls.certificate]]
      cert = '../certs/b.pem'
      key = "../certs/b.key"

      [[domain]]
      name = "Example.TEST"

      [[domain]]
      name = "other.test"
      smtp_host = "mx.other.test"
      pop3_host = "mail.other.test"
      imap_host = "mail.other.test"

      [limits]
      max_connections = 20_000
      max_connections_per_ip = 10
      smtp_idle_timeout = "90s"
      pop3_idle_timeout = 600
      imap_idle_timeout = "2h"
      smtp_line_length = 1000
      pop3_line_length = 512
      imap_line_length = 8192
      max_message_size = "1G"
      shutdown_timeout = 0
      """
    let config = try Fixture.parse(text)
    #expect(config.hostname == "mx.example.test")
    #expect(config.dataDir == "/var/lib/posta-test")
    #expect(config.logLevel == .warning)
    #expect(
      config.listen.smtp == [
        ListenAddress(host: "127.0.0.1", port: 2525), ListenAddress(host: "::1", port: 2525),
      ])
    #expect(config.listen.submission == [ListenAddress(host: "localhost", port: 1587)])
    #expect(config.listen.submissions == [])
    #expect(config.listen.pop3 == [ListenAddress(host: "127.0.0.2", port: 1110)])
    #expect(config.listen.pop3s == [ListenAddress(host: "::1", port: 1995)])
    #expect(config.listen[.imap] == [ListenAddress(host: "127.0.0.1", port: 1143)])
    #expect(config.listen[.imaps] == [ListenAddress(host: "0.0.0.0", port: 1993)])
    #expect(
      config.listen.trustedProxies.map(\.description) == [
        "10.0.0.0/8", "192.168.1.7/32", "2001:db8::/32", "::1/128",
      ])
    #expect(
      config.certificates == [
        CertificateConfig(cert: "/srv/posta/etc/tls/a.pem", key: "/etc/keys/a.key"),
        CertificateConfig(cert: "/srv/posta/certs/b.pem", key: "/srv/posta/certs/b.key"),
      ])
    #expect(
      config.domains == [
        DomainConfig(name: "example.test"),
        DomainConfig(
          name: "other.test", smtpHost: "mx.other.test", pop3Host: "mail.other.test",
          imapHost: "mail.other.test"),
      ])
    #expect(config.domains[0].smtpHost == "smtp.example.test")
    #expect(
      config.limits
        == LimitsConfig(
          maxConnections: 20_000, maxConnectionsPerIP: 10, smtpIdleTimeout: .seconds(90),
          pop3IdleTimeout: .seconds(600), imapIdleTimeout: .seconds(7200), smtpLineLength: 1000,
          pop3LineLength: 512, imapLineLength: 8192, maxMessageSize: 1 << 30,
          shutdownTimeout: .zero))
  }

  @Test func defaultsApplied() throws {
    let config = try Fixture.parse(Fixture.domain)
    #expect(config.hostname == Fixture.systemHostName)
    #expect(config.dataDir == "/var/lib/posta")
    #expect(config.logLevel == .info)
    #expect(config.certificates == [])
    #expect(config.tlsDirectory == "/var/lib/posta/tls")
    let listen = config.listen
    #expect(listen.smtp.map(\.description) == ["0.0.0.0:25"])
    #expect(listen.submission.map(\.description) == ["0.0.0.0:587"])
    #expect(listen.submissions.map(\.description) == ["0.0.0.0:465"])
    #expect(listen.pop3.map(\.description) == ["0.0.0.0:110"])
    #expect(listen.pop3s.map(\.description) == ["0.0.0.0:995"])
    #expect(listen.imap.map(\.description) == ["0.0.0.0:143"])
    #expect(listen.imaps.map(\.description) == ["0.0.0.0:993"])
    #expect(listen.trustedProxies == [])
    #expect(listen == ListenConfig.defaults)
    let limits = config.limits
    #expect(limits.maxConnections == 15_000)
    #expect(limits.maxConnectionsPerIP == 1_000)
    #expect(limits.smtpIdleTimeout == .seconds(300))
    #expect(limits.pop3IdleTimeout == .seconds(600))
    #expect(limits.imapIdleTimeout == .seconds(1800))
    #expect(limits.smtpLineLength == 4096)
    #expect(limits.pop3LineLength == 255)
    #expect(limits.imapLineLength == 65_536)
    #expect(limits.maxMessageSize == 52_428_800)
    #expect(limits.shutdownTimeout == .seconds(10))
    #expect(limits == LimitsConfig.defaults)
  }

  @Test func relativePathsFollowTheFileNotTheWorkingDirectory() throws {
    let messy = "data_dir = \"./data/./x/../y//\"\n" + Fixture.domain
    #expect(try Fixture.parse(messy).dataDir == "/srv/posta/etc/data/y")
    let config = try PostaConfig.parse(
      text: "data_dir = \"../var\"\n" + Fixture.domain, file: "posta.conf",
      directory: "/opt/posta/etc/", systemHostName: "h.test")
    #expect(config.dataDir == "/opt/posta/var")
    #expect(config.tlsDirectory == "/opt/posta/var/tls")
  }

  @Test func sizesAndDurationsInEveryForm() throws {
    let cases: [(String, Int)] = [
      ("1024", 1024), ("\"1024\"", 1024), ("\"512K\"", 512 << 10), ("\"512k\"", 512 << 10),
      ("\"50M\"", 52_428_800), ("\"2G\"", 2 << 30), ("\"1T\"", 1 << 40),
    ]
    for (written, bytes) in cases {
      let config = try Fixture.parse("[limits]\nmax_message_size = \(written)\n" + Fixture.domain)
      #expect(config.limits.maxMessageSize == bytes, "\(written)")
    }
    let durations: [(String, Int)] = [
      ("45", 45), ("\"45\"", 45), ("\"30s\"", 30), ("\"10m\"", 600), ("\"1h\"", 3600),
      ("\"2d\"", 172_800), ("\"10M\"", 600),
    ]
    for (written, seconds) in durations {
      let config = try Fixture.parse("[limits]\nsmtp_idle_timeout = \(written)\n" + Fixture.domain)
      #expect(config.limits.smtpIdleTimeout == .seconds(seconds), "\(written)")
    }
  }

  @Test func emptyListDisablesAService() throws {
    let config = try Fixture.parse("[listen]\nimap = []\npop3 = [ ]\n" + Fixture.domain)
    #expect(config.listen.imap == [])
    #expect(config.listen.pop3 == [])
    #expect(config.listen.imaps.map(\.description) == ["0.0.0.0:993"])
  }

  @Test func hostNamesAreDeduplicatedInOrder() throws {
    let text = """
      hostname = "smtp.example.test"
      [[domain]]
      name = "example.test"
      [[domain]]
      name = "b.test"
      smtp_host = "smtp.example.test"
      pop3_host = "mail.b.test"
      imap_host = "mail.b.test"
      """
    let config = try Fixture.parse(text)
    #expect(
      config.hostNames == [
        "smtp.example.test", "pop3.example.test", "imap.example.test", "mail.b.test",
      ])
  }

  @Test func domainLookupByHost() throws {
    let text = """
      [[domain]]
      name = "example.test"
      [[domain]]
      name = "b.test"
      imap_host = "imap.example.test"
      """
    let config = try Fixture.parse(text)
    #expect(config.domain(forHost: "IMAP.example.test.")?.name == "example.test")
    #expect(config.domain(forHost: "pop3.b.test")?.name == "b.test")
    #expect(config.domain(forHost: "b.test")?.name == "b.test")
    #expect(config.domain(forHost: Fixture.systemHostName) == nil)
    #expect(config.domain(forHost: "unknown.test") == nil)
    #expect(config.domain(named: "EXAMPLE.test")?.imapHost == "imap.example.test")
  }

  @Test func quotedKeysAndTableNamesMeanTheSame() throws {
    let text = """
      "hostname" = 'a.test'
      ["listen"]
      'smtp' = ["127.0.0.1:25"]
      [["tls"."certificate"]]
      cert = "c"
      key = "k"
      """
    let config = try Fixture.parse(text + "\n" + Fixture.domain)
    #expect(config.hostname == "a.test")
    #expect(config.listen.smtp.map(\.description) == ["127.0.0.1:25"])
    #expect(config.certificates.count == 1)
  }

  @Test func errorsPrintOnePerLine() {
    let errors = ConfigErrors([
      ConfigError(file: "etc/posta.conf", line: 3, message: "a: unknown key"),
      ConfigError(
        file: "etc/posta.conf", line: nil, message: "at least one [[domain]] is required"),
    ])
    #expect(
      errors.description
        == "etc/posta.conf:3: a: unknown key\netc/posta.conf: at least one [[domain]] is required")
  }

  @Test func machineHostNameMustBeUsable() {
    #expect(
      throws: ConfigErrors([
        ConfigError(
          file: "posta.conf", line: nil,
          message: "hostname: the machine's host name \"my_box\" cannot be used "
            + "(it contains '_'); set hostname in the file")
      ])
    ) {
      try PostaConfig.parse(
        text: Fixture.domain, file: "posta.conf", directory: "/", systemHostName: "my_box")
    }
  }

  @Test func publicParseUsesTheMachineName() throws {
    // Only checks that the public entry point works with some usable name here.
    let text = "hostname = \"given.test\"\n" + Fixture.domain
    #expect(try PostaConfig.parse(text: text, file: "x", directory: "/").hostname == "given.test")
  }
}

@Suite struct LoadTests {
  /// The repository root, from this file's path: Tests/ConfigTests/<file>.
  static let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

  @Test func shippedSampleIsValid() throws {
    let path = Self.repositoryRoot + "/etc/posta.conf"
    let config = try PostaConfig.load(path: path)
    #expect(config.hostname == "localhost")
    #expect(config.dataDir == Self.repositoryRoot + "/var")
    #expect(config.certificates == [])
    #expect(config.domains == [DomainConfig(name: "example.test")])
    let ports = ListenService.allCases.map { service in config.listen[service].map(\.description) }
    #expect(
      ports == [
        ["127.0.0.1:10025"], ["127.0.0.1:10587"], ["127.0.0.1:10465"], ["127.0.0.1:10110"],
        ["127.0.0.1:10995"], ["127.0.0.1:10143"], ["127.0.0.1:10993"],
      ])
    #expect(config.limits == LimitsConfig.defaults)
    #expect(
      config.hostNames == [
        "localhost", "smtp.example.test", "pop3.example.test", "imap.example.test",
      ])
  }

  @Test func missingFileNamesThePath() {
    let path = "/nonexistent/posta-\(UInt32.random(in: 0...UInt32.max)).conf"
    #expect(
      throws: ConfigErrors([
        ConfigError(
          file: path, line: nil,
          message: "cannot read the configuration file: No such file or directory")
      ])
    ) {
      try PostaConfig.load(path: path)
    }
  }

  @Test func directoryIsNotAFile() {
    #expect(
      throws: ConfigErrors([
        ConfigError(
          file: "/", line: nil, message: "cannot read the configuration file: Is a directory")
      ])
    ) {
      try PostaConfig.load(path: "/")
    }
  }

  @Test func endlessFileIsCutOff() {
    #expect(
      throws: ConfigErrors([
        ConfigError(
          file: "/dev/zero", line: nil,
          message: "cannot read the configuration file: it is larger than 1 MiB")
      ])
    ) {
      try PostaConfig.load(path: "/dev/zero")
    }
  }

  @Test func relativePathsResolveAgainstTheFile() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let file = directory.path + "/conf/posta.conf"
    try FileManager.default.createDirectory(
      atPath: directory.path + "/conf", withIntermediateDirectories: true)
    try Data(("data_dir = \"../data\"\n" + Fixture.domain).utf8).write(
      to: URL(fileURLWithPath: file))
    let config = try PostaConfig.load(path: file)
    #expect(config.dataDir == directory.path + "/data")
    #expect(!FileManager.default.fileExists(atPath: config.dataDir))
  }

  @Test func invalidUTF8IsReportedByLine() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let file = directory.path + "/posta.conf"
    var bytes = Array("hostname = \"a.test\"\n# caf".utf8)
    bytes += [0xc3, 0x28, 0x0a]
    bytes += Array(Fixture.domain.utf8)
    try Data(bytes).write(to: URL(fileURLWithPath: file))
    #expect(
      throws: ConfigErrors([
        ConfigError(file: file, line: 2, message: "the line is not valid UTF-8")
      ])
    ) {
      try PostaConfig.load(path: file)
    }
  }
}

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct TemporaryDirectory {
  let path: String

  init() throws {
    path =
      URL(fileURLWithPath: NSTemporaryDirectory())
      .appendingPathComponent("posta-config-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  func remove() {
    try? FileManager.default.removeItem(atPath: path)
  }
}
