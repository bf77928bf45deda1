import Testing

@testable import DNS

@Suite struct DNSNameTests {
  @Test(arguments: [
    ("example.com", [["example"], ["com"]]),
    ("example.com.", [["example"], ["com"]]),
    ("Mail.Example.COM", [["Mail"], ["Example"], ["COM"]]),
    ("a\\.b.c", [["a.b"], ["c"]]),
    ("\\065bc.d", [["Abc"], ["d"]]),
    ("back\\\\slash", [["back\\slash"]]),
    ("_dmarc.example.org", [["_dmarc"], ["example"], ["org"]]),
  ])
  func parsesPresentationForm(_ text: String, _ expected: [[String]]) throws {
    let n = try DNSName(text)
    #expect(n.labels == expected.map { Array($0[0].utf8) })
  }

  @Test func rootParsesAndPrints() throws {
    #expect(try DNSName(".").isRoot)
    #expect(DNSName.root.description == ".")
    #expect(DNSName.root.wireLength == 1)
  }

  @Test(arguments: [
    ("", "empty"), ("a..b", "empty label"), (".a", "empty label"), ("a.\\", "backslash"),
    ("\\256.a", "above 255"), ("\\12.a", "three digits"),
    (String(repeating: "x", count: 64) + ".com", "longer than 63"),
  ])
  func rejectsBadText(_ text: String, _ reasonPart: String) {
    #expect {
      _ = try DNSName(text)
    } throws: { error in
      guard case DNSMessageError.invalidName(_, let reason) = error else { return false }
      return reason.contains(reasonPart)
    }
  }

  @Test func enforcesTheNameLengthLimit() throws {
    let l63 = String(repeating: "a", count: 63)
    let ok = try DNSName([l63, l63, l63, String(repeating: "b", count: 61)].joined(separator: "."))
    #expect(ok.wireLength == 255)
    #expect(throws: DNSMessageError.self) {
      _ = try DNSName([l63, l63, l63, String(repeating: "b", count: 62)].joined(separator: "."))
    }
  }

  @Test func escapesOddOctetsSoTheTextParsesBack() throws {
    let odd = try DNSName(labels: [[0x2e, 0x20, 0x00, 0x41, 0x5c, 0xff], Array("com".utf8)])
    #expect(odd.description == "\\.\\032\\000A\\\\\\255.com")
    #expect(try DNSName(odd.description).labels == odd.labels)
  }

  @Test func comparesWithoutCase() throws {
    let a = try DNSName("MX.Example.com")
    let b = try DNSName("mx.example.COM.")
    #expect(a == b)
    #expect(Set([a, b]).count == 1)
    #expect(a.lowercased().description == "mx.example.com")
    #expect(a != (try DNSName("mx.example.net")))
    // Only ASCII letters fold: 0xC0 and 0xE0 stay different.
    #expect(try DNSName(labels: [[0xc0]]) != (try DNSName(labels: [[0xe0]])))
  }

  @Test func subdomainsAndPrefixes() throws {
    let example = try DNSName("example.com")
    #expect(try DNSName("a.b.EXAMPLE.com").isSubdomain(of: example))
    #expect(example.isSubdomain(of: example))
    #expect(!(try DNSName("badexample.com").isSubdomain(of: example)))
    #expect(example.isSubdomain(of: .root))
    #expect(try example.prepending("_dmarc").description == "_dmarc.example.com")
  }

  @Test func reverseNames() {
    #expect(ip("192.0.2.1").reverseName.description == "1.2.0.192.in-addr.arpa")
    let v6 = ip("2001:db8::567:89ab").reverseName.description
    #expect(v6 == "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa")
    #expect(ip("[::1]").description == "::1")
    #expect(IPAddress("localhost") == nil)
    #expect(IPAddress("example.com") == nil)
    #expect(IPAddress(bytes: [1, 2, 3]) == nil)
    #expect(ip("192.0.2.7").socketAddress(port: 25).description == "192.0.2.7:25")
  }
}
