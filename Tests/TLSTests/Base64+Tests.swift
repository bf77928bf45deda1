import Crypto
import Testing

@Suite struct Base64Tests {
  // RFC 4648 §10.
  static let vectors = [
    ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
    ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
  ]

  @Test(arguments: vectors)
  func roundTrip(plain: String, encoded: String) throws {
    #expect(Base64.encode(plain.utf8) == encoded)
    #expect(try Base64.decode(encoded) == Array(plain.utf8))
  }

  @Test func allByteValuesRoundTrip() throws {
    let all = (0...255).map { UInt8($0) }
    #expect(try Base64.decode(Base64.encode(all)) == all)
  }

  @Test func strictDecodingRejects() {
    #expect(throws: Base64.DecodingError.invalidCharacter(offset: 4)) {
      try Base64.decode("Zm9v!!==")
    }
    #expect(throws: Base64.DecodingError.invalidLength(3)) { try Base64.decode("Zm9") }
    #expect(throws: Base64.DecodingError.invalidPadding(offset: 2)) { try Base64.decode("Zg=a") }
    #expect(throws: Base64.DecodingError.invalidPadding(offset: 2)) {
      try Base64.decode("Zg==Zg==")
    }
    #expect(throws: Base64.DecodingError.invalidPadding(offset: 1)) { try Base64.decode("Z===") }
    #expect(throws: Base64.DecodingError.nonZeroPadBits) { try Base64.decode("Zh==") }
    #expect(throws: Base64.DecodingError.nonZeroPadBits) { try Base64.decode("Zm9=") }
    #expect(throws: Base64.DecodingError.invalidCharacter(offset: 4)) {
      try Base64.decode("Zm9v\r\n")
    }
    #expect(throws: Base64.DecodingError.invalidCharacter(offset: 2)) { try Base64.decode("Zm-v") }
  }

  @Test func whitespaceOnlyWhenAsked() throws {
    #expect(try Base64.decode(" Zm9v\r\n YmFy\t", ignoringWhitespace: true) == Array("foobar".utf8))
    #expect(throws: Base64.DecodingError.invalidCharacter(offset: 5)) {
      try Base64.decode("Zm 9v*Y", ignoringWhitespace: true)
    }
  }

  @Test func lineWrapping() {
    let text = Base64.encode([UInt8](repeating: 0, count: 60), lineLength: 76)
    let lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)
    #expect(lines.map(\.count) == [76, 4])
  }

  @Test func hex() {
    #expect(Hex.encode([0x00, 0xAB, 0xFF]) == "00abff")
    #expect(Hex.decode("00ABff") == [0x00, 0xAB, 0xFF])
    #expect(Hex.decode("abc") == nil)
    #expect(Hex.decode("zz") == nil)
  }
}
