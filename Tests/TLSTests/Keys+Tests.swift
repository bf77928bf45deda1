import Crypto
import Testing

@Suite struct KeyTests {
  // RFC 8032 §7.1, TEST 1 (empty message) and TEST 2 (one byte, 0x72).
  @Test(arguments: [
    (
      "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    ),
    (
      "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
      "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
      "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
    ),
  ])
  func ed25519RFC8032(secret: String, publicKey: String, message: String, signature: String) throws
  {
    let key = try PrivateKey(ed25519Seed: Hex.decode(secret)!)
    #expect(key.type == .ed25519)
    #expect(key.publicKey.rawEd25519.map(Hex.encode) == publicKey)
    let sig = try key.sign(Hex.decode(message)!)
    #expect(Hex.encode(sig) == signature)
    let pub = try PublicKey(ed25519Raw: Hex.decode(publicKey)!)
    #expect(pub.verify(signature: sig, for: Hex.decode(message)!))
    #expect(!pub.verify(signature: sig, for: [0x00]))
    // RFC 8463 §4: the DKIM record holds the raw 32-byte key.
    #expect(pub.dkimRecordValue == Base64.encode(Hex.decode(publicKey)!))
  }

  @Test func ed25519GenerateSignVerifyAndPEM() throws {
    let key = try PrivateKey.generateEd25519()
    let data = Array("DKIM-Signature: v=1; a=ed25519-sha256".utf8)
    let sig = try key.sign(SHA256.hash(data))
    #expect(sig.count == 64)
    #expect(key.publicKey.verify(signature: sig, for: SHA256.hash(data)))

    let pem = try key.pem()
    #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
    let reloaded = try PrivateKey(pem: pem)
    #expect(reloaded.type == .ed25519)
    // Ed25519 signatures are deterministic: the reloaded key must sign identically.
    #expect(try reloaded.sign(SHA256.hash(data)) == sig)

    let fromRecord = try PublicKey(dkimType: .ed25519, base64: key.publicKey.dkimRecordValue)
    #expect(fromRecord.verify(signature: sig, for: SHA256.hash(data)))
  }

  @Test func rsaGenerateSignVerifyAndPEM() throws {
    let key = try PrivateKey.generateRSA()
    #expect(key.type == .rsa)
    #expect(key.bits == 2048)
    let data = Array("from:Alice <alice@example.test>\r\n".utf8)
    let sig = try key.sign(data)
    #expect(sig.count == 256)
    #expect(key.publicKey.verify(signature: sig, for: data))
    var tampered = data
    tampered[0] ^= 1
    #expect(!key.publicKey.verify(signature: sig, for: tampered))

    let reloaded = try PrivateKey(pem: key.pem())
    // RSASSA-PKCS1-v1_5 is deterministic too.
    #expect(try reloaded.sign(data) == sig)

    // The DKIM p= value is the DER SubjectPublicKeyInfo; DNS folding whitespace is allowed.
    let record = key.publicKey.dkimRecordValue
    #expect(try Base64.decode(record) == key.publicKey.der)
    #expect(record.hasPrefix("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"))
    let folded = String(record.prefix(100)) + " \r\n\t" + String(record.dropFirst(100))
    let fromRecord = try PublicKey(dkimType: .rsa, base64: folded)
    #expect(fromRecord.bits == 2048)
    #expect(fromRecord.verify(signature: sig, for: data))
  }

  @Test func rejectsBadKeys() throws {
    #expect(throws: CryptoError.self) { try PrivateKey(pem: "not a key") }
    #expect(throws: CryptoError.self) { try PrivateKey(ed25519Seed: [1, 2, 3]) }
    #expect(throws: CryptoError.self) { try PublicKey(der: [0x30, 0x00]) }
    #expect(throws: CryptoError.self) { try PrivateKey.generateRSA(bits: 1024) }
    let ec = """
      -----BEGIN PRIVATE KEY-----
      MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgPCD11XUoT80XbuDb
      UxMrXY5bcAeWyYUzkVepv7mLqoqhRANCAAQPEx70LRJKUBtSQiT36YvdQlSlRCoZ
      Dk3JbP27hfuGyAgpL5gMQ8w9uz0nNBpeWw+S4nzyIrbiCOClxLRhbif4
      -----END PRIVATE KEY-----
      """
    #expect(throws: CryptoError.unsupportedKeyType("id-ecPublicKey")) { try PrivateKey(pem: ec) }
    let ed = try PrivateKey.generateEd25519()
    #expect(throws: CryptoError.self) {
      try PublicKey(dkimType: .rsa, base64: ed.publicKey.dkimRecordValue)
    }
  }
}
