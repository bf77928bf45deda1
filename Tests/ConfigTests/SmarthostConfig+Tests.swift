import Foundation
import Testing

@testable import Config

@Suite struct SmarthostConfigTests {
  static func parse(_ table: String) throws(ConfigErrors) -> SmarthostConfig? {
    try Fixture.parse(Fixture.domain + "[delivery.smarthost]\n" + table).delivery.smarthost
  }

  static func errors(_ table: String) -> [String] {
    Fixture.errors(Fixture.domain + "[delivery.smarthost]\n" + table)
  }

  @Test func fullTable() throws {
    let relay = try #require(
      try Self.parse(
        """
        host = "SMTP.Provider.Example:2525"
        implicit_tls = true
        username = "me@provider.example"
        password_file = "secrets/relay.pass"
        domains = ["Gmail.com", "example.org"]
        tls = "verify"
        ca_file = "/etc/posta/relay-ca.pem"
        """))
    #expect(
      relay
        == SmarthostConfig(
          host: "smtp.provider.example", port: 2525, implicitTLS: true,
          username: "me@provider.example",
          passwordFile: FileReference(path: "/srv/posta/etc/secrets/relay.pass", line: 7),
          domains: ["gmail.com", "example.org"], tls: .verify,
          caFile: FileReference(path: "/etc/posta/relay-ca.pem", line: 10)))
    #expect(relay.address == "smtp.provider.example:2525")
  }

  @Test func defaults() throws {
    let relay = try #require(try Self.parse("host = \"relay.example\""))
    #expect(
      relay
        == SmarthostConfig(
          host: "relay.example", port: 587, implicitTLS: false, username: "", passwordFile: nil,
          domains: [], tls: .verify, caFile: nil))
    let implicit = try #require(try Self.parse("implicit_tls = true\nhost = \"relay.example\""))
    #expect(implicit.port == 465)
    #expect(try Fixture.parse(Fixture.domain).delivery.smarthost == nil)
  }

  @Test func hostForms() throws {
    let forms: [(String, String, Int)] = [
      ("[smtp.provider.example]:587", "smtp.provider.example", 587),
      ("[smtp.provider.example]", "smtp.provider.example", 587),
      ("192.0.2.25", "192.0.2.25", 587),
      ("192.0.2.25:25", "192.0.2.25", 25),
      ("[2001:db8::25]:465", "2001:db8::25", 465),
      ("2001:DB8::25", "2001:db8::25", 587),
    ]
    for (text, host, port) in forms {
      let relay = try #require(try Self.parse("host = \"\(text)\""))
      #expect(relay.host == host && relay.port == port, "\(text)")
    }
    let v6 = try #require(try Self.parse("host = \"[::1]:2525\""))
    #expect(v6.address == "[::1]:2525")
  }

  @Test func badValues() {
    #expect(
      Self.errors("host = \"relay.example:0\"")
        == ["posta.conf:4: [delivery.smarthost] host: \"relay.example:0\" has a bad port (1–65535)"]
    )
    #expect(
      Self.errors("host = \"relay_example\"")
        == [
          "posta.conf:4: [delivery.smarthost] host: \"relay_example\" has a bad host name: "
            + "it contains '_'"
        ])
    #expect(
      Self.errors("username = \"me\"")
        == ["posta.conf:3: [delivery.smarthost] host: required key is missing"])
    #expect(
      Self.errors("host = \"relay.example\"\ntls = \"yes\"")
        == [
          "posta.conf:5: [delivery.smarthost] tls: \"yes\" is not one of verify, required, "
            + "opportunistic, none"
        ])
    #expect(
      Self.errors("host = \"relay.example\"\ndomains = [\"gmail..com\"]")
        == [
          "posta.conf:5: [delivery.smarthost] domains: \"gmail..com\" is not a valid host name: "
            + "it has an empty label"
        ])
    // The password itself never goes into the main file.
    #expect(
      Self.errors("host = \"relay.example\"\npassword = \"x\"")
        == ["posta.conf:5: [delivery.smarthost] password: unknown key"])
    #expect(
      Fixture.errors(Fixture.domain + "[[delivery.smarthost]]\nhost = \"relay.example\"")
        == ["posta.conf:3: [[delivery.smarthost]]: write [delivery.smarthost]; there is only one"])
  }

  @Test func keysThatNeedEachOther() {
    #expect(
      Self.errors("host = \"relay.example\"\nusername = \"me\"")
        == [
          "posta.conf:5: [delivery.smarthost] username: needs password_file, a file holding "
            + "the password"
        ])
    #expect(
      Self.errors("host = \"relay.example\"\npassword_file = \"/etc/pass\"")
        == [
          "posta.conf:5: [delivery.smarthost] password_file: is only used with username; set "
            + "username too"
        ])
    #expect(
      Self.errors(
        "host = \"relay.example\"\nusername = \"me\"\npassword_file = \"/p\"\ntls = \"none\"")
        == [
          "posta.conf:7: [delivery.smarthost] tls: \"none\" would send the password in clear, "
            + "which Posta never does; use \"verify\" (or remove username)"
        ])
    #expect(
      Self.errors("host = \"relay.example\"\ntls = \"none\"\nimplicit_tls = true")
        == ["posta.conf:6: [delivery.smarthost] implicit_tls: contradicts tls = \"none\""])
    #expect(
      Self.errors("host = \"relay.example\"\ntls = \"required\"\nca_file = \"/ca.pem\"")
        == [
          "posta.conf:6: [delivery.smarthost] ca_file: only used with tls = \"verify\", but tls "
            + "is \"required\""
        ])
    #expect(Self.errors("host = \"relay.example\"\ntls = \"none\"") == [])
    #expect(Self.errors("host = \"relay.example\"\ntls = \"opportunistic\"") == [])
  }
}

/// The password file and CA file are read on request (serve, check-config), not by `load`.
@Suite struct ReferencedFileTests {
  static func config(_ directory: String, _ table: String) throws -> PostaConfig {
    try PostaConfig.parse(
      text: Fixture.domain + "[delivery.smarthost]\nhost = \"relay.example\"\n" + table,
      file: "posta.conf", directory: directory, systemHostName: "mail.example.test")
  }

  static func write(_ text: String, to path: String, mode: Int) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
  }

  @Test func passwordIsTheFirstLine() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let auth = "username = \"me\"\npassword_file = \"pass\"\n"
    for (content, expected) in [
      ("s3cret\n", "s3cret"), ("s3cret", "s3cret"), ("s3 cret\r\n", "s3 cret"),
      ("pässwörd\n", "pässwörd"),
    ] {
      try Self.write(content, to: dir.path + "/pass", mode: 0o600)
      let config = try Self.config(dir.path, auth)
      #expect(try config.smarthostPassword(file: "posta.conf") == expected)
      #expect(config.checkReferencedFiles(file: "posta.conf") == [])
    }
    try Self.write("s3cret\n", to: dir.path + "/pass", mode: 0o400)
    #expect(try Self.config(dir.path, auth).smarthostPassword(file: "posta.conf") == "s3cret")
    // Without AUTH there is nothing to read.
    #expect(try Self.config(dir.path, "").smarthostPassword(file: "posta.conf") == nil)
    #expect(try Fixture.parse(Fixture.domain).smarthostPassword(file: "posta.conf") == nil)
  }

  @Test func unsafeOrBrokenPasswordFiles() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path + "/pass"
    let config = try Self.config(dir.path, "username = \"me\"\npassword_file = \"pass\"\n")
    func problem() -> [String] {
      config.checkReferencedFiles(file: "posta.conf").map(\.description)
    }
    let prefix = "posta.conf:6: [delivery.smarthost] password_file: "
    #expect(problem() == [prefix + "cannot read \(path): No such file or directory"])
    for mode in [0o604, 0o660, 0o602, 0o644] {
      try Self.write("s3cret\n", to: path, mode: mode)
      let octal = "0" + String(mode, radix: 8)
      #expect(
        problem() == [
          prefix + "\(path) may be read by others or written by group or others (mode "
            + "\(octal)); run chmod 600 \(path)"
        ])
      #expect(throws: ConfigErrors.self) { try config.smarthostPassword(file: "posta.conf") }
    }
    for mode in [0o640, 0o600, 0o400] {
      try Self.write("s3cret\n", to: path, mode: mode)
      #expect(problem().isEmpty, "mode \(String(mode, radix: 8)) is fine")
    }
    try Self.write("", to: path, mode: 0o600)
    #expect(problem() == [prefix + "\(path) is empty; write the password in it"])
    try Self.write("\n", to: path, mode: 0o600)
    #expect(problem() == [prefix + "\(path) holds an empty password"])
    try Self.write("user\npassword\n", to: path, mode: 0o600)
    #expect(problem() == [prefix + "\(path) has 2 lines; write only the password, on one line"])
    try Self.write(String(repeating: "x", count: 5000), to: path, mode: 0o600)
    #expect(problem() == [prefix + "\(path) is larger than 4096 bytes; is it the right file?"])
    try FileManager.default.removeItem(atPath: path)
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    #expect(problem() == [prefix + "\(path) is not a regular file"])
    // The message never carries the file's content.
    try FileManager.default.removeItem(atPath: path)
    try Self.write("hunter2\n", to: path, mode: 0o644)
    #expect(!problem().joined().contains("hunter2"))
  }

  @Test func caFileMustHoldACertificate() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let config = try Self.config(dir.path, "ca_file = \"ca.pem\"\n")
    let prefix = "posta.conf:5: [delivery.smarthost] ca_file: "
    let path = dir.path + "/ca.pem"
    #expect(
      config.checkReferencedFiles(file: "posta.conf").map(\.description)
        == [prefix + "cannot read \(path): No such file or directory"])
    try Self.write("not a certificate\n", to: path, mode: 0o644)
    #expect(
      config.checkReferencedFiles(file: "posta.conf").map(\.description)
        == [prefix + "\(path) holds no PEM certificate (-----BEGIN CERTIFICATE-----)"])
    try Self.write(
      "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", to: path, mode: 0o644)
    #expect(config.checkReferencedFiles(file: "posta.conf") == [])
  }
}
