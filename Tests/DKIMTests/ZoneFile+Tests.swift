import Crypto
import DKIM
import Testing

@Suite struct ZoneFileTests {
  @Test(arguments: [0, 1, 254, 255, 256, 510, 511, 1000])
  func splitsAt255Octets(length: Int) {
    let data = (0..<length).map { UInt8(truncatingIfNeeded: $0 % 26 + 97) }
    let pieces = ZoneFile.splitTXT(data)
    #expect(pieces.flatMap { $0 } == data)
    #expect(pieces.allSatisfy { $0.count <= 255 })
    #expect(pieces.count == max(1, (length + 254) / 255))
    // Every piece but the last is full.
    #expect(pieces.dropLast().allSatisfy { $0.count == 255 })
  }

  @Test func quotesAndEscapes() {
    #expect(ZoneFile.quotedTXT("v=spf1 mx -all") == "\"v=spf1 mx -all\"")
    #expect(ZoneFile.quotedTXT("a\"b\\c") == "\"a\\\"b\\\\c\"")
    #expect(ZoneFile.quotedTXT("tab\there") == "\"tab\\009here\"")
    #expect(ZoneFile.quotedTXT("") == "\"\"")
    let long = String(repeating: "x", count: 300)
    #expect(
      ZoneFile.quotedTXT(long)
        == "\"\(String(repeating: "x", count: 255))\" \"\(String(repeating: "x", count: 45))\"")
    #expect(
      ZoneFile.txtLine(name: "example.com.", data: "hi", ttl: 3600)
        == "example.com. 3600 IN TXT \"hi\"")
  }

  @Test func rsaRecordIsOneLineOfTwoStrings() throws {
    let key = try DKIMKey(selector: "posta20261127a", privateKey: TestKeys.rsa)
    let line = DKIMRecords.zoneLine(for: key, domain: "Example.com")
    #expect(
      line.hasPrefix("posta20261127a._domainkey.example.com. IN TXT \"v=DKIM1; k=rsa; p=MIIB"))
    #expect(!line.contains("\n"))
    // Take the strings back apart: each at most 255 octets, joined they are the record.
    let strings = line.split(separator: "\"").enumerated().filter { $0.offset % 2 == 1 }.map {
      String($0.element)
    }
    #expect(strings.count == 2)
    #expect(strings.allSatisfy { $0.utf8.count <= 255 })
    #expect(strings.joined() == DKIMRecords.txtData(for: TestKeys.rsa.publicKey))
    let parsed = TestVerifier.tags(Array(strings.joined().utf8))
    let publicKey = try PublicKey(dkimType: .rsa, base64: parsed["p"]!)
    #expect(publicKey.der == TestKeys.rsa.publicKey.der)
  }

  @Test func dnsRecordsListEveryKey() throws {
    let keys = TestKeys.keys([.rsa, .ed25519])
    let lines = DKIMRecords.dnsRecords(
      domain: "example.com", hostname: "mx.example.com", keys: keys)
    #expect(lines.count == 2)
    #expect(lines[1].hasPrefix("sel-ed._domainkey.example.com. IN TXT \"v=DKIM1; k=ed25519; p="))
    #expect(lines[1].hasSuffix("=\""))
  }
}
