import Crypto
import Testing

@Suite struct DigestTests {
  private func bytes(_ hex: String) -> [UInt8] { Hex.decode(hex)! }
  private func repeated(_ byte: UInt8, _ count: Int) -> [UInt8] {
    [UInt8](repeating: byte, count: count)
  }

  // FIPS 180-2 Appendix A/B examples.
  @Test func sha1Vectors() {
    #expect(Hex.encode(SHA1.hash("abc".utf8)) == "a9993e364706816aba3e25717850c26c9cd0d89d")
    #expect(
      Hex.encode(SHA1.hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
        == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
    #expect(Hex.encode(SHA1.hash([UInt8]())) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
  }

  @Test func sha256Vectors() {
    #expect(
      Hex.encode(SHA256.hash("abc".utf8))
        == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(
      Hex.encode(SHA256.hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
        == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    #expect(
      Hex.encode(SHA256.hash([UInt8]()))
        == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
  }

  @Test func incrementalHashOfAMillionA() {
    var h = IncrementalHash(.sha256)
    let chunk = repeated(0x61, 1000)
    for _ in 0..<1000 { h.update(chunk) }
    #expect(
      Hex.encode(h.finalize())
        == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    var s = IncrementalHash(.sha1)
    for _ in 0..<1000 { s.update(chunk[...]) }
    #expect(Hex.encode(s.finalize()) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
  }

  // RFC 4231 §4 (test case 5, a truncated MAC, is left out).
  @Test(arguments: [
    (
      "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", Array("Hi There".utf8),
      "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
    ),
    (
      Hex.encode("Jefe".utf8), Array("what do ya want for nothing?".utf8),
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    ),
    (
      String(repeating: "aa", count: 20), [UInt8](repeating: 0xDD, count: 50),
      "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"
    ),
    (
      "0102030405060708090a0b0c0d0e0f10111213141516171819", [UInt8](repeating: 0xCD, count: 50),
      "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"
    ),
    (
      String(repeating: "aa", count: 131),
      Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
    ),
    (
      String(repeating: "aa", count: 131),
      Array(
        ("This is a test using a larger than block-size key and a larger than block-size data. "
          + "The key needs to be hashed before being used by the HMAC algorithm.").utf8),
      "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
    ),
  ])
  func hmacSHA256RFC4231(key: String, data: [UInt8], expected: String) {
    #expect(Hex.encode(HMAC.sha256(key: bytes(key), data: data)) == expected)
  }

  // RFC 2202 §3 test case 2; and an empty key and message, which OpenSSL 3.0 must not
  // confuse with "no key".
  @Test func hmacSHA1AndEmptyKey() {
    #expect(
      Hex.encode(HMAC.sha1(key: "Jefe".utf8, data: "what do ya want for nothing?".utf8))
        == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
    #expect(
      Hex.encode(HMAC.sha256(key: [UInt8](), data: [UInt8]()))
        == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
  }

  // RFC 7914 §11: PBKDF2-HMAC-SHA256 test vectors.
  @Test func pbkdf2RFC7914() throws {
    let one = try PBKDF2.sha256(
      password: "passwd".utf8, salt: "salt".utf8, iterations: 1, length: 64)
    #expect(
      Hex.encode(one)
        == "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
        + "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783")
    let many = try PBKDF2.sha256(
      password: "Password".utf8, salt: "NaCl".utf8, iterations: 80_000, length: 64)
    #expect(
      Hex.encode(many)
        == "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
        + "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d")
  }

  @Test func pbkdf2RejectsBadParameters() {
    #expect(throws: CryptoError.self) {
      try PBKDF2.sha256(password: "p".utf8, salt: "s".utf8, iterations: 0)
    }
    #expect(throws: CryptoError.self) {
      try PBKDF2.sha256(password: "p".utf8, salt: "s".utf8, iterations: 1, length: 0)
    }
  }

  @Test func constantTimeComparison() {
    #expect(constantTimeEquals([1, 2, 3], [1, 2, 3]))
    #expect(!constantTimeEquals([1, 2, 3], [1, 2, 4]))
    #expect(!constantTimeEquals([1, 2, 3], [1, 2]))
    #expect(constantTimeEquals([UInt8](), [UInt8]()))
    #expect(constantTimeEquals("secret".utf8, Array("secret".utf8)))
  }

  @Test func secureRandom() throws {
    let a = try SecureRandom.bytes(32)
    let b = try SecureRandom.bytes(32)
    #expect(a.count == 32 && b.count == 32)
    #expect(a != b)
    #expect(try SecureRandom.bytes(0).isEmpty)
    for _ in 0..<200 {
      let v = try SecureRandom.uniform(below: 7)
      #expect((0..<7).contains(v))
    }
    let token = try SecureRandom.string(length: 20, alphabet: "abc")
    #expect(token.count == 20 && token.allSatisfy { "abc".contains($0) })
    #expect(throws: CryptoError.self) { try SecureRandom.uniform(below: 0) }
  }
}
