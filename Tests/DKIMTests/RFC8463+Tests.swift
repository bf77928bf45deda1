import Crypto
import MIME
import Testing

@testable import DKIM

/// RFC 8463 Appendix A: its keys (A.1), DNS records (A.2) and signed message (A.3).
enum RFC8463 {
  /// A.1: the Ed25519 private key (the RFC 8032 §7.1 TEST 1 seed).
  static let ed25519Seed = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A="
  /// A.1: the 1024-bit RSA key of the `test` selector.
  static let rsaPrivateKey = """
    -----BEGIN RSA PRIVATE KEY-----
    MIICXQIBAAKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQi
    Y/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqM
    KrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB
    AoGAH0cxOhFZDgzXWhDhnAJDw5s4roOXN4OhjiXa8W7Y3rhX3FJqmJSPuC8N9vQm
    6SVbaLAE4SG5mLMueHlh4KXffEpuLEiNp9Ss3O4YfLiQpbRqE7Tm5SxKjvvQoZZe
    zHorimOaChRL2it47iuWxzxSiRMv4c+j70GiWdxXnxe4UoECQQDzJB/0U58W7RZy
    6enGVj2kWF732CoWFZWzi1FicudrBFoy63QwcowpoCazKtvZGMNlPWnC7x/6o8Gc
    uSe0ga2xAkEA8C7PipPm1/1fTRQvj1o/dDmZp243044ZNyxjg+/OPN0oWCbXIGxy
    WvmZbXriOWoSALJTjExEgraHEgnXssuk7QJBALl5ICsYMu6hMxO73gnfNayNgPxd
    WFV6Z7ULnKyV7HSVYF0hgYOHjeYe9gaMtiJYoo0zGN+L3AAtNP9huqkWlzECQE1a
    licIeVlo1e+qJ6Mgqr0Q7Aa7falZ448ccbSFYEPD6oFxiOl9Y9se9iYHZKKfIcst
    o7DUw1/hz2Ck4N5JrgUCQQCyKveNvjzkkd8HjYs0SwM0fPjK16//5qDZ2UiDGnOe
    uEzxBDAr518Z8VFbR41in3W4Y3yCDgQlLlcETrS+zYcL
    -----END RSA PRIVATE KEY-----
    """

  /// A.2: the key records, by owner name.
  static let records = [
    "brisbane._domainkey.football.example.com":
      "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
    "test._domainkey.football.example.com":
      "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR"
      + "iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutAC"
      + "DfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3"
      + "Ip3G+2kryOTIKT+l/K4w3QIDAQAB",
  ]

  static let ed25519Signature = [
    "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;",
    " d=football.example.com; i=@football.example.com;",
    " q=dns/txt; s=brisbane; t=1528637909; h=from : to :",
    " subject : date : message-id : from : subject : date;",
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;",
    " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus",
    " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==",
  ]
  static let rsaSignature = [
    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;",
    " d=football.example.com; i=@football.example.com;",
    " q=dns/txt; s=test; t=1528637909; h=from : to : subject :",
    " date : message-id : from : subject : date;",
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;",
    " b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3",
    " DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz",
    " dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=",
  ]
  static let unsigned = [
    "From: Joe SixPack <joe@football.example.com>",
    "To: Suzie Q <suzie@shopping.example.net>",
    "Subject: Is dinner ready?",
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)",
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>",
    "",
    "Hi.",
    "",
    "We lost the game.  Are you hungry yet?",
    "",
    "Joe.",
    "",
  ]

  static func crlf(_ lines: [String]) -> [UInt8] { Array(lines.joined(separator: "\r\n").utf8) }

  static var signedMessage: [UInt8] {
    crlf(ed25519Signature + rsaSignature + unsigned)
  }
}

@Suite struct RFC8463Tests {
  @Test func keysMatchThePublishedRecords() throws {
    let ed = try PrivateKey(ed25519Seed: Base64.decode(RFC8463.ed25519Seed))
    let rsa = try PrivateKey(pem: RFC8463.rsaPrivateKey)
    #expect(
      DKIMRecords.txtData(for: ed.publicKey)
        == RFC8463.records["brisbane._domainkey.football.example.com"])
    #expect(
      DKIMRecords.txtData(for: rsa.publicKey)
        == RFC8463.records["test._domainkey.football.example.com"])
  }

  @Test func bodyHashMatches() {
    let message = RFC8463.crlf(RFC8463.unsigned)
    let start = Header.parse(message).bodyStart
    let bh = DKIMBodyHash.compute(message, range: start..<message.count, canonicalization: .relaxed)
    #expect(Base64.encode(bh) == "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=")
  }

  @Test func bothSignaturesVerify() {
    let verifier = TestVerifier(records: RFC8463.records)
    #expect(verifier.verify(RFC8463.signedMessage) == [.pass, .pass])
  }

  @Test func tamperingWithAnOverSignedFieldFails() {
    var message = RFC8463.signedMessage
    let subject = Array("Is dinner ready?".utf8)
    let at = message.firstRange(of: subject)!
    message.replaceSubrange(at, with: Array("Is dinner burnt?".utf8))
    let verifier = TestVerifier(records: RFC8463.records)
    #expect(verifier.verify(message) == [.fail("signature mismatch"), .fail("signature mismatch")])
  }

  /// Both algorithms are deterministic, so signing the RFC's header fields (its own
  /// DKIM-Signature text with `b=` emptied) with the RFC's keys must give the RFC's `b=`.
  @Test(arguments: [
    (RFC8463.ed25519Signature, "brisbane"), (RFC8463.rsaSignature, "test"),
  ])
  func reproducesPublishedSignature(fieldLines: [String], selector: String) throws {
    let privateKey =
      selector == "brisbane"
      ? try PrivateKey(ed25519Seed: Base64.decode(RFC8463.ed25519Seed))
      : try PrivateKey(pem: RFC8463.rsaPrivateKey)
    let key = try DKIMKey(selector: selector, privateKey: privateKey)
    let message = RFC8463.crlf(RFC8463.unsigned)
    let header = Header.parse(message)
    let names = ["from", "to", "subject", "date", "message-id", "from", "subject", "date"]
    let signedHeaders = DKIMCanonicalization.relaxed.canonicalSignedHeaders(
      names, header: header, in: message)

    let field = RFC8463.crlf(fieldLines + [""])
    let bStart = field.firstRange(of: Array(" b=".utf8))!.upperBound
    let unsignedField = Array(field[..<bStart])
    let published = String(decoding: field[bStart...], as: UTF8.self)
      .filter { !$0.isWhitespace }

    let data = DKIMSigner.headerHashInput(
      signedHeaders: signedHeaders, unsignedField: unsignedField, canonicalization: .relaxed)
    #expect(try Base64.encode(key.signature(over: data)) == published)
  }
}
