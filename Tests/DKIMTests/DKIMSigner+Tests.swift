import Crypto
import DKIM
import Foundation
import MIME
import Testing

/// Keys made once for the whole suite: RSA generation is the slow part of these tests.
enum TestKeys {
  static let rsa = try! PrivateKey.generateRSA(bits: 2048)
  static let ed25519 = try! PrivateKey.generateEd25519()

  static func keys(_ types: [KeyType]) -> [DKIMKey] {
    types.map {
      $0 == .rsa
        ? try! DKIMKey(selector: "sel-rsa", privateKey: rsa)
        : try! DKIMKey(selector: "sel-ed", privateKey: ed25519)
    }
  }

  static var records: [String: String] {
    [
      "sel-rsa._domainkey.example.com": DKIMRecords.txtData(for: rsa.publicKey),
      "sel-ed._domainkey.example.com": DKIMRecords.txtData(for: ed25519.publicKey),
    ]
  }
}

/// 2026-11-27 12:00:00 UTC.
let fixedDate = Date(timeIntervalSince1970: 1_795_780_800)

let sampleMessage = Array(
  """
  Received: from client by mx.example.com; Fri, 27 Nov 2026 12:00:00 +0000\r
  From: Alice <alice@example.com>\r
  To: Bob <bob@example.net>,\r
   Carol <carol@example.org>\r
  Subject: Lunch  plans\r
  Date: Fri, 27 Nov 2026 12:00:00 +0000\r
  Message-ID: <1@example.com>\r
  List-Id: Friends <friends.example.com>\r
  List-Unsubscribe: <mailto:leave@example.com>\r
  X-Mailer: test\r
  MIME-Version: 1.0\r
  Content-Type: text/plain; charset=utf-8\r
  \r
  Shall we meet at noon?  \r
  \r
  -- \r
  Alice\r
  \r
  \r

  """.utf8)

func signer(_ types: [KeyType] = [.rsa], domain: String = "example.com") throws -> DKIMSigner {
  try DKIMSigner(domain: domain, keys: TestKeys.keys(types), now: { fixedDate })
}

func signed(_ message: [UInt8], with s: DKIMSigner) throws -> [UInt8] {
  try s.sign(message) + message
}

func tagValue(_ field: [UInt8], _ name: String) -> String? {
  let header = Header.parse(field)
  guard let f = header.fields.first else { return nil }
  return TestVerifier.tags(Array(field[f.valueRange]))[name]
}

@Suite struct DKIMSignerTests {
  @Test(arguments: [[KeyType.rsa], [.ed25519], [.rsa, .ed25519]])
  func roundTrip(types: [KeyType]) throws {
    let message = try signed(sampleMessage, with: signer(types))
    let outcomes = TestVerifier(records: TestKeys.records).verify(message)
    #expect(outcomes == Array(repeating: .pass, count: types.count))
  }

  @Test(arguments: DKIMCanonicalization.allCases, DKIMCanonicalization.allCases)
  func roundTripEveryCanonicalization(header: DKIMCanonicalization, body: DKIMCanonicalization)
    throws
  {
    var s = try signer([.rsa, .ed25519])
    s.headerCanonicalization = header
    s.bodyCanonicalization = body
    let fields = try s.signatureFields(for: sampleMessage)
    #expect(tagValue(fields[0], "c") == "\(header.rawValue)/\(body.rawValue)")
    let outcomes = TestVerifier(records: TestKeys.records).verify(
      fields[0] + fields[1] + sampleMessage)
    #expect(outcomes == [.pass, .pass])
  }

  @Test func tagsAndHeaderList() throws {
    let field = try signer().sign(sampleMessage)
    #expect(tagValue(field, "v") == "1")
    #expect(tagValue(field, "a") == "rsa-sha256")
    #expect(tagValue(field, "c") == "relaxed/relaxed")
    #expect(tagValue(field, "d") == "example.com")
    #expect(tagValue(field, "s") == "sel-rsa")
    #expect(tagValue(field, "t") == "1795780800")
    #expect(tagValue(field, "x") == nil)
    #expect(tagValue(field, "l") == nil)
    // Present fields only, each as often as it occurs; From once more; List-* included;
    // Received and X-Mailer not signed.
    #expect(
      tagValue(field, "h")
        == "From:From:To:Subject:Date:Message-ID:MIME-Version:Content-Type:List-Id:"
        + "List-Unsubscribe")
  }

  @Test func ed25519AndRSAProduceTwoFields() throws {
    let fields = try signer([.rsa, .ed25519]).signatureFields(for: sampleMessage)
    #expect(fields.count == 2)
    #expect(tagValue(fields[0], "a") == "rsa-sha256")
    #expect(tagValue(fields[1], "a") == "ed25519-sha256")
    #expect(tagValue(fields[0], "bh") == tagValue(fields[1], "bh"))
    #expect(try signer([.rsa, .ed25519]).sign(sampleMessage) == fields[0] + fields[1])
  }

  @Test func repeatedFieldsAreAllSignedAndTheExtraFromProtects() throws {
    let message = Array(
      "From: a@example.com\r\nTo: b@example.net\r\nTo: c@example.net\r\n\r\nhi\r\n".utf8)
    let field = try signer().sign(message)
    #expect(tagValue(field, "h") == "From:From:To:To")
    let verifier = TestVerifier(records: TestKeys.records)
    #expect(verifier.verify(field + message) == [.pass])
    // A second From added after signing breaks the signature (over-signing, RFC 6376 §8.15).
    let forged = field + Array("From: mallory@evil.example\r\n".utf8) + message
    #expect(verifier.verify(forged) == [.fail("signature mismatch")])
  }

  @Test func expiryAddsX() throws {
    var s = try signer()
    s.expiresAfter = 86_400
    let field = try s.sign(sampleMessage)
    #expect(tagValue(field, "x") == "1795867200")
    #expect(TestVerifier(records: TestKeys.records).verify(field + sampleMessage) == [.pass])
  }

  @Test func fieldIsFoldedCRLFTerminatedAndShort() throws {
    for field in try signer([.rsa, .ed25519]).signatureFields(for: sampleMessage) {
      #expect(field.starts(with: Array("DKIM-Signature: v=1; ".utf8)))
      #expect(field.suffix(2) == [13, 10])
      let lines = text(field).components(separatedBy: "\r\n").dropLast()
      for (i, line) in lines.enumerated() {
        #expect(line.utf8.count <= 78, "line \(i) is \(line.utf8.count) long: \(line)")
        if i > 0 { #expect(line.hasPrefix("\t")) }
      }
      // Exactly one field, and nothing else, in the bytes.
      let header = Header.parse(field + Array("\r\n".utf8))
      #expect(header.fields.count == 1)
    }
  }

  @Test func longHeaderListFoldsAtColons() throws {
    var message = Array("From: a@example.com\r\n".utf8)
    for i in 0..<30 { message += Array("To: user\(i)@example.net\r\n".utf8) }
    message += Array("\r\nbody\r\n".utf8)
    let field = try signer().sign(message)
    for line in text(field).components(separatedBy: "\r\n") {
      #expect(line.utf8.count <= 78)
    }
    #expect(TestVerifier(records: TestKeys.records).verify(field + message) == [.pass])
  }

  @Test func bodyChangesAndHeaderChangesAreDetected() throws {
    let field = try signer().sign(sampleMessage)
    let verifier = TestVerifier(records: TestKeys.records)
    var body = field + sampleMessage
    body.replaceSubrange(body.firstRange(of: Array("noon".utf8))!, with: Array("nine".utf8))
    #expect(verifier.verify(body) == [.fail("body hash mismatch")])
    var to = field + sampleMessage
    to.replaceSubrange(to.firstRange(of: Array("Carol".utf8))!, with: Array("Eve".utf8))
    #expect(verifier.verify(to) == [.fail("signature mismatch")])
    // Relaxed canonicalisation tolerates refolding and whitespace changes.
    var refolded = field + sampleMessage
    refolded.replaceSubrange(
      refolded.firstRange(of: Array("Lunch  plans".utf8))!, with: Array("Lunch\r\n\tplans".utf8))
    #expect(verifier.verify(refolded) == [.pass])
  }

  /// Bare LF line ends are signed as the CRLF the SMTP client will send.
  @Test func bareLineFeedsAreSignedAsTheWireForm() throws {
    let stored = Array("From: a@example.com\nSubject: x\n\nline one\nline two\n".utf8)
    let wire = Array("From: a@example.com\r\nSubject: x\r\n\r\nline one\r\nline two\r\n".utf8)
    for c in DKIMCanonicalization.allCases {
      var s = try signer()
      s.headerCanonicalization = c
      s.bodyCanonicalization = c
      let field = try s.sign(stored)
      #expect(TestVerifier(records: TestKeys.records).verify(field + wire) == [.pass])
    }
  }

  @Test func emptyBodyAndHeaderOnlyMessage() throws {
    let verifier = TestVerifier(records: TestKeys.records)
    for message in ["From: a@example.com\r\n\r\n", "From: a@example.com\r\n"] {
      let bytes = Array(message.utf8)
      let field = try signer().sign(bytes)
      #expect(tagValue(field, "bh") == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
      #expect(verifier.verify(field + bytes) == [.pass])
    }
  }

  @Test func signsAMappedFile() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    var message = Array("From: a@example.com\r\nSubject: big\r\n\r\n".utf8)
    let line = Array(String(repeating: "0123456789 ", count: 7).utf8) + [13, 10]
    while message.count < 4 * 1024 * 1024 { message += line }
    let path = dir.appending("message")
    try Data(message).write(to: URL(fileURLWithPath: path))
    let file = try MappedFile(path: path)
    let field = try signer([.rsa, .ed25519]).sign(file)
    #expect(try signer([.rsa, .ed25519]).sign(message) == field)
    #expect(TestVerifier(records: TestKeys.records).verify(field + message) == [.pass, .pass])
  }

  @Test func errors() throws {
    #expect(throws: DKIMError.missingFrom) {
      try signer().sign(Array("To: b@example.net\r\n\r\nhi\r\n".utf8))
    }
    #expect(throws: DKIMError.invalidDomain("exa mple.com")) {
      try DKIMSigner(domain: "exa mple.com", keys: TestKeys.keys([.rsa]))
    }
    #expect(throws: DKIMError.invalidDomain("bücher.example")) {
      try DKIMSigner(domain: "bücher.example", keys: TestKeys.keys([.rsa]))
    }
    #expect(throws: DKIMError.noKeys) { try DKIMSigner(domain: "example.com", keys: []) }
    #expect(throws: DKIMError.invalidSelector("bad;sel")) {
      try DKIMKey(selector: "bad;sel", privateKey: TestKeys.ed25519)
    }
    // A trailing dot and upper case are normalised away.
    #expect(try signer(domain: "Example.COM.").domain == "example.com")
  }
}
