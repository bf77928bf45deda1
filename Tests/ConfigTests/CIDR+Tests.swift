import Testing

@testable import Config

@Suite struct CIDRTests {
  @Test(arguments: [
    ("10.0.0.0/8", "10.0.0.0/8"),
    ("10.1.2.3/8", "10.0.0.0/8"),
    ("192.168.1.7", "192.168.1.7/32"),
    ("0.0.0.0/0", "0.0.0.0/0"),
    ("::1", "::1/128"),
    ("::/0", "::/0"),
    ("2001:DB8::/32", "2001:db8::/32"),
    ("2001:db8:0:0:1:0:0:1/128", "2001:db8::1:0:0:1/128"),
    ("fe80::1:2/64", "fe80::/64"),
    ("::ffff:10.0.0.0/104", "::ffff:10.0.0.0/104"),
  ])
  func parsesAndPrintsCanonically(_ text: String, _ canonical: String) throws {
    let cidr = try #require(CIDR(text))
    #expect(cidr.description == canonical)
    #expect(CIDR(cidr.description) == cidr)
  }

  @Test(arguments: [
    "", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/08x", "10.0.0", "10.0.0.0.0",
    "010.0.0.1", "256.0.0.1", "1.2.3.4/1/2", "::1/129", "1::2::3", "1:2:3:4:5:6:7:8:9",
    ":1:2:3:4:5:6:7", "1:2:3:4:5:6:7:", "12345::", "fe80::1%eth0", "::1.2.3", "1.2.3.4::",
    "host.example", " 10.0.0.0/8",
  ])
  func rejects(_ text: String) {
    #expect(CIDR(text) == nil)
  }

  @Test func containsIPv4() throws {
    let network = try #require(CIDR("10.20.0.0/16"))
    #expect(network.contains([10, 20, 0, 1]))
    #expect(network.contains([10, 20, 255, 255]))
    #expect(!network.contains([10, 21, 0, 1]))
    #expect(!network.contains([10, 20, 0]))
    #expect(try #require(CIDR("0.0.0.0/0")).contains([203, 0, 113, 9]))
    #expect(try #require(CIDR("127.0.0.1")).contains([127, 0, 0, 1]))
    #expect(!(try #require(CIDR("127.0.0.1"))).contains([127, 0, 0, 2]))
  }

  @Test func containsIPv6() throws {
    let network = try #require(CIDR("2001:db8::/32"))
    let inside: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 7, count: 12)
    let outside: [UInt8] = [0x20, 0x01, 0x0d, 0xb9] + [UInt8](repeating: 0, count: 12)
    #expect(network.contains(inside))
    #expect(!network.contains(outside))
    #expect(!network.contains([32, 1, 13, 184]))
    let loopback = [UInt8](repeating: 0, count: 15) + [1]
    #expect(try #require(CIDR("::1")).contains(loopback))
    #expect(!(try #require(CIDR("::1"))).contains([127, 0, 0, 1]))
  }

  @Test func ipv4MappedAddressesMatchIPv4Networks() throws {
    let mapped: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3]
    #expect(try #require(CIDR("10.0.0.0/8")).contains(mapped))
    #expect(!(try #require(CIDR("11.0.0.0/8"))).contains(mapped))
    #expect(try #require(CIDR("::ffff:10.0.0.0/104")).contains([10, 9, 9, 9]))
    #expect(try #require(CIDR("::ffff:10.0.0.0/104")).contains(mapped))
    #expect(!(try #require(CIDR("::ffff:10.0.0.0/104"))).contains([11, 0, 0, 1]))
    // A plain IPv6 network does not swallow IPv4 clients unless it covers the mapped range.
    #expect(!(try #require(CIDR("2001:db8::/32"))).contains([10, 1, 2, 3]))
    #expect(try #require(CIDR("::/0")).contains([10, 1, 2, 3]))
  }

  @Test func memberwiseInitMasksAndChecks() {
    #expect(CIDR(address: [192, 168, 1, 77], prefixLength: 24)?.description == "192.168.1.0/24")
    #expect(CIDR(address: [192, 168, 1, 77], prefixLength: 33) == nil)
    #expect(CIDR(address: [1, 2, 3], prefixLength: 8) == nil)
    #expect(CIDR(address: [1, 2, 3, 4], prefixLength: -1) == nil)
  }

  @Test(arguments: [
    ("2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"),
    ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
    ("0:0:0:0:0:0:0:0", "::"),
    ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
    ("1:0:0:2:0:0:3:4", "1::2:0:0:3:4"),
    ("1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7:0"),
    ("1:2:3:4:5:6::", "1:2:3:4:5:6::"),
    ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
    ("::192.0.2.1", "::c000:201"),
  ])
  func ipv6TextFollowsRFC5952(_ text: String, _ canonical: String) throws {
    let bytes = try #require(IPAddress.parseIPv6(text[...]))
    #expect(IPAddress.format(bytes) == canonical)
    #expect(IPAddress.parseIPv6(canonical[...]) == bytes)
  }
}

@Suite struct ListenAddressTests {
  @Test(arguments: [
    ("0.0.0.0:25", "0.0.0.0", 25),
    ("127.0.0.1:10025", "127.0.0.1", 10025),
    ("[::1]:993", "::1", 993),
    ("[::]:143", "::", 143),
    ("[2001:DB8:0::1]:25", "2001:db8::1", 25),
    ("localhost:143", "localhost", 143),
    ("Mail.Example.TEST:65535", "mail.example.test", 65535),
  ])
  func parses(_ text: String, _ host: String, _ port: Int) throws {
    let address = try #require(ListenAddress(text))
    #expect(address.host == host)
    #expect(Int(address.port) == port)
    #expect(ListenAddress(address.description) == address)
  }

  @Test func descriptionRoundTripsCanonicalText() {
    for text in ["0.0.0.0:25", "[::1]:993", "[2001:db8::1]:25", "localhost:143"] {
      #expect(ListenAddress(text)?.description == text)
    }
  }

  @Test(arguments: [
    "", "127.0.0.1", "127.0.0.1:", ":25", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:+25",
    "127.0.0.1:2 5", "::1:25", "[::1]", "[::1]25", "[::1:25", "[127.0.0.1]:25", "1.2.3:25",
    "under_score:25", "-bad:25", "a..b:25",
  ])
  func rejects(_ text: String) {
    #expect(ListenAddress(text) == nil)
  }

  @Test func addressBytes() {
    #expect(ListenAddress("127.0.0.1:25")?.addressBytes == [127, 0, 0, 1])
    #expect(ListenAddress("[::1]:25")?.addressBytes == [UInt8](repeating: 0, count: 15) + [1])
    #expect(ListenAddress("localhost:25")?.addressBytes == nil)
  }
}
