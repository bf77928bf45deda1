import Glibc
import Net
import Testing

@Suite struct SocketAddressTests {
  @Test(arguments: [
    ("127.0.0.1:25", "127.0.0.1", 25 as UInt16, [127, 0, 0, 1] as [UInt8]),
    ("0.0.0.0:0", "0.0.0.0", 0, [0, 0, 0, 0]),
    ("localhost:10025", "127.0.0.1", 10025, [127, 0, 0, 1]),
    ("[::1]:993", "::1", 993, [UInt8](repeating: 0, count: 15) + [1]),
    ("[::]:65535", "::", 65535, [UInt8](repeating: 0, count: 16)),
    (
      "[2001:DB8::a]:587", "2001:db8::a", 587,
      [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [0x0a]
    ),
  ])
  func parses(_ text: String, _ host: String, _ port: UInt16, _ bytes: [UInt8]) throws {
    let a = try SocketAddress(text)
    #expect(a.host == host)
    #expect(a.port == port)
    #expect(a.bytes == bytes)
    #expect(try SocketAddress(a.description) == a)
  }

  @Test(arguments: [
    "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:+25", "::1:25",
    "[::1]", "[::1:25", "[::1]25", "example.com:25", "256.0.0.1:25", ":25", "1.2.3.4:123456",
  ])
  func rejects(_ text: String) {
    #expect(throws: NetError.self) { try SocketAddress(text) }
  }

  @Test func loopback() throws {
    #expect(try SocketAddress("127.0.0.1:1").isLoopback)
    #expect(try SocketAddress("127.255.0.9:1").isLoopback)
    #expect(try SocketAddress("[::1]:1").isLoopback)
    #expect(try SocketAddress("[::ffff:127.0.0.2]:1").isLoopback)
    #expect(try !SocketAddress("128.0.0.1:1").isLoopback)
    #expect(try !SocketAddress("[::2]:1").isLoopback)
    #expect(try !SocketAddress("[::ffff:10.0.0.1]:1").isLoopback)
  }

  @Test func mappedAndDescription() throws {
    let m = try SocketAddress("[::ffff:192.0.2.1]:25")
    #expect(m.family == .ipv6)
    #expect(m.unmapped == (try SocketAddress("192.0.2.1:25")))
    #expect(m.unmapped.family == .ipv4)
    #expect(try SocketAddress(host: "::1", port: 7).description == "[::1]:7")
    #expect(try SocketAddress(host: "[::1]", port: 7).description == "[::1]:7")
    #expect(try SocketAddress(bytes: [10, 0, 0, 1], port: 8).description == "10.0.0.1:8")
    #expect(throws: NetError.self) { try SocketAddress(bytes: [1, 2, 3], port: 8) }
    #expect(SocketAddress.parseIP("nonsense") == nil)
  }

  @Test(arguments: [("192.0.2.7", "192.0.2.7:25"), ("2001:db8::5", "[2001:db8::5]:25")])
  func fromWhatGetaddrinfoHandsOver(host: String, expected: String) throws {
    var hints = addrinfo()
    hints.ai_flags = AI_NUMERICHOST
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var list: UnsafeMutablePointer<addrinfo>?
    #expect(getaddrinfo(host, "25", &hints, &list) == 0)
    defer { freeaddrinfo(list) }
    let sa = try #require(list?.pointee.ai_addr)
    #expect(SocketAddress(sa)?.description == expected)
    var unix = sockaddr()
    unix.sa_family = sa_family_t(AF_UNIX)
    #expect(SocketAddress(&unix) == nil)
  }
}
