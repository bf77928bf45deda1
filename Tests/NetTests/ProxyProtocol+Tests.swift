import Testing

@testable import Net

@Suite struct ProxyProtocolTests {
  typealias Result = ProxyProtocol.ParseResult

  static func header(_ v: Int, _ src: String, _ dst: String) -> ProxyHeader {
    ProxyHeader(version: v, source: try! SocketAddress(src), destination: try! SocketAddress(dst))
  }

  static func v2(_ verCmd: UInt8, _ famTrans: UInt8, _ block: [UInt8]) -> [UInt8] {
    ProxyProtocol.v2Signature + [
      verCmd, famTrans, UInt8(block.count >> 8), UInt8(block.count & 0xff),
    ]
      + block
  }

  /// 192.0.2.1:56068 → 198.51.100.7:443
  static let tcp4Block: [UInt8] = [192, 0, 2, 1, 198, 51, 100, 7, 0xDB, 0x04, 0x01, 0xBB]
  /// [2001:db8::1]:12345 → [2001:db8::2]:25
  static let tcp6Block: [UInt8] =
    [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]
    + [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [2] + [0x30, 0x39, 0x00, 0x19]

  struct Fixture: CustomTestStringConvertible, Sendable {
    let name: String
    let bytes: [UInt8]
    let expected: Swift.Result<Result, ProxyProtocolError>
    var testDescription: String { name }
  }

  static let fixtures: [Fixture] = [
    // v1
    Fixture(
      name: "v1 TCP4", bytes: "PROXY TCP4 192.0.2.1 198.51.100.7 56068 443\r\n".bytes,
      expected: .success(
        .complete(header(1, "192.0.2.1:56068", "198.51.100.7:443"), length: 45))),
    Fixture(
      name: "v1 TCP6", bytes: "PROXY TCP6 2001:db8::1 2001:db8::2 12345 25\r\nEHLO".bytes,
      expected: .success(
        .complete(header(1, "[2001:db8::1]:12345", "[2001:db8::2]:25"), length: 45))),
    Fixture(
      name: "v1 UNKNOWN", bytes: "PROXY UNKNOWN\r\n".bytes,
      expected: .success(.complete(nil, length: 15))),
    Fixture(
      name: "v1 UNKNOWN with addresses",
      bytes: "PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n".bytes,
      expected: .success(.complete(nil, length: 59))),
    Fixture(name: "v1 empty", bytes: [], expected: .success(.incomplete)),
    Fixture(name: "v1 prefix", bytes: "PRO".bytes, expected: .success(.incomplete)),
    Fixture(
      name: "v1 truncated", bytes: "PROXY TCP4 192.0.2.1 198.51.100.7 56068 4".bytes,
      expected: .success(.incomplete)),
    Fixture(
      name: "v1 no CR", bytes: "PROXY TCP4 192.0.2.1 198.51.100.7 56068 443\n".bytes,
      expected: .failure(.malformed("v1 header must end with CRLF"))),
    Fixture(
      name: "not proxy", bytes: "EHLO example\r\n".bytes, expected: .failure(.notProxyProtocol)),
    Fixture(name: "lowercase", bytes: "proxy TCP4".bytes, expected: .failure(.notProxyProtocol)),
    Fixture(
      name: "v1 bad protocol", bytes: "PROXY UDP4 192.0.2.1 198.51.100.7 1 2\r\n".bytes,
      expected: .failure(.malformed("v1 protocol must be TCP4, TCP6 or UNKNOWN"))),
    Fixture(
      name: "v1 family mismatch", bytes: "PROXY TCP4 2001:db8::1 198.51.100.7 1 2\r\n".bytes,
      expected: .failure(.malformed("v1 addresses do not match TCP4"))),
    Fixture(
      name: "v1 hostname", bytes: "PROXY TCP4 localhost 198.51.100.7 1 2\r\n".bytes,
      expected: .failure(.malformed("v1 addresses do not match TCP4"))),
    Fixture(
      name: "v1 port too big", bytes: "PROXY TCP4 192.0.2.1 198.51.100.7 65536 25\r\n".bytes,
      expected: .failure(.malformed("v1 ports must be numbers from 0 to 65535"))),
    Fixture(
      name: "v1 double space", bytes: "PROXY TCP4  192.0.2.1 198.51.100.7 1 25\r\n".bytes,
      expected: .failure(.malformed("v1 header needs protocol, two addresses and two ports"))),
    Fixture(
      name: "v1 missing port", bytes: "PROXY TCP4 192.0.2.1 198.51.100.7 1\r\n".bytes,
      expected: .failure(.malformed("v1 header needs protocol, two addresses and two ports"))),
    Fixture(
      name: "v1 oversize", bytes: ("PROXY UNKNOWN " + String(repeating: "a", count: 100)).bytes,
      expected: .failure(.tooLong(107))),
    // v2
    Fixture(
      name: "v2 TCP4", bytes: v2(0x21, 0x11, tcp4Block),
      expected: .success(
        .complete(header(2, "192.0.2.1:56068", "198.51.100.7:443"), length: 28))),
    Fixture(
      name: "v2 TCP6", bytes: v2(0x21, 0x21, tcp6Block) + "EHLO".bytes,
      expected: .success(
        .complete(header(2, "[2001:db8::1]:12345", "[2001:db8::2]:25"), length: 52))),
    Fixture(
      name: "v2 TCP4 with TLVs",
      bytes: v2(0x21, 0x11, tcp4Block + [0x01, 0x00, 0x02, 0x68, 0x32, 0x04, 0x00, 0x00]),
      expected: .success(
        .complete(header(2, "192.0.2.1:56068", "198.51.100.7:443"), length: 36))),
    Fixture(
      name: "v2 LOCAL", bytes: v2(0x20, 0x00, []), expected: .success(.complete(nil, length: 16))),
    Fixture(
      name: "v2 LOCAL with block", bytes: v2(0x20, 0x11, tcp4Block),
      expected: .success(.complete(nil, length: 28))),
    Fixture(
      name: "v2 UNSPEC", bytes: v2(0x21, 0x00, []), expected: .success(.complete(nil, length: 16))),
    Fixture(
      name: "v2 unix", bytes: v2(0x21, 0x31, [UInt8](repeating: 0, count: 216)),
      expected: .success(.complete(nil, length: 232))),
    Fixture(
      name: "v2 signature only", bytes: Array(ProxyProtocol.v2Signature),
      expected: .success(.incomplete)),
    Fixture(
      name: "v2 truncated block", bytes: Array(v2(0x21, 0x11, tcp4Block).dropLast()),
      expected: .success(.incomplete)),
    Fixture(
      name: "v2 bad signature",
      bytes: [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0D],
      expected: .failure(.notProxyProtocol)),
    Fixture(
      name: "v2 version 1", bytes: v2(0x11, 0x11, tcp4Block),
      expected: .failure(.unsupportedVersion(1))),
    Fixture(
      name: "v2 bad command", bytes: v2(0x22, 0x11, tcp4Block),
      expected: .failure(.malformed("v2 command must be LOCAL or PROXY"))),
    Fixture(
      name: "v2 UDP4", bytes: v2(0x21, 0x12, tcp4Block),
      expected: .failure(.unsupportedTransport(0x12))),
    Fixture(
      name: "v2 bad family", bytes: v2(0x21, 0x41, tcp4Block),
      expected: .failure(.malformed("unknown v2 address family 0x41"))),
    Fixture(
      name: "v2 short block", bytes: v2(0x21, 0x21, tcp4Block),
      expected: .failure(.malformed("v2 address block shorter than its family needs"))),
    Fixture(
      name: "v2 TLV overrun", bytes: v2(0x21, 0x11, tcp4Block + [0x01, 0x00, 0x09, 0x68]),
      expected: .failure(.malformed("v2 TLV runs past the header"))),
    Fixture(
      name: "v2 TLV header cut", bytes: v2(0x21, 0x11, tcp4Block + [0x01, 0x00]),
      expected: .failure(.malformed("v2 TLV header truncated"))),
    Fixture(
      name: "v2 oversize",
      bytes: v2(0x21, 0x11, tcp4Block + [0x01, 0x10, 0x00] + [UInt8](repeating: 0, count: 4096)),
      expected: .failure(.tooLong(4096))),
  ]

  @Test(arguments: fixtures)
  func parse(_ f: Fixture) {
    let got = Swift.Result { () throws(ProxyProtocolError) -> Result in
      try ProxyProtocol.parse(f.bytes[...])
    }
    #expect(got == f.expected)
  }

  /// Every proper prefix of a valid header is incomplete, never an error.
  @Test(
    arguments: fixtures.filter { if case .success(.complete) = $0.expected { true } else { false } }
  )
  func prefixesAreIncomplete(_ f: Fixture) throws {
    guard case .success(.complete(_, let length)) = f.expected else { return }
    for n in 0..<length {
      #expect(try ProxyProtocol.parse(f.bytes[..<n]) == .incomplete, "prefix \(n)")
    }
  }

  @Test func readHeaderLeavesTheRestBuffered() async throws {
    let input = "PROXY TCP4 192.0.2.1 198.51.100.7 56068 443\r\nEHLO x\r\n".bytes
    try await Drip.check(input, chunkSizes: [1, 4, 512]) { reader, variant in
      let h = try await ProxyProtocol.readHeader(from: reader, deadline: nil)
      #expect(h == Self.header(1, "192.0.2.1:56068", "198.51.100.7:443"), "\(variant)")
      #expect(
        try await reader.readLine(limit: 512) == .line("EHLO x".bytes, bareLF: false), "\(variant)")
    }
    let binary = Self.v2(0x21, 0x21, Self.tcp6Block) + "A001 NOOP\r\n".bytes
    try await Drip.check(binary, chunkSizes: [1, 512]) { reader, variant in
      let h = try await ProxyProtocol.readHeader(from: reader, deadline: nil)
      #expect(h?.source.description == "[2001:db8::1]:12345", "\(variant)")
      #expect(
        try await reader.readLine(limit: 512) == .line("A001 NOOP".bytes, bareLF: false),
        "\(variant)")
    }
  }

  @Test func readHeaderErrors() async throws {
    await #expect(throws: ProxyProtocolError.truncated) {
      try await ProxyProtocol.readHeader(
        from: BufferedReader(ScriptedStream("PROXY TCP4 1.2")), deadline: nil)
    }
    await #expect(throws: ProxyProtocolError.truncated) {
      try await ProxyProtocol.readHeader(from: BufferedReader(ScriptedStream([])), deadline: nil)
    }
    await #expect(throws: ProxyProtocolError.notProxyProtocol) {
      try await ProxyProtocol.readHeader(
        from: BufferedReader(ScriptedStream("EHLO x\r\n")), deadline: nil)
    }
    // A v1 header that never ends stops at 107 bytes, not at end of stream.
    let endless = ScriptedStream([("PROXY UNKNOWN " + String(repeating: "a", count: 5000)).bytes])
    await #expect(throws: ProxyProtocolError.tooLong(107)) {
      try await ProxyProtocol.readHeader(
        from: BufferedReader(endless, chunkSize: 64), deadline: nil)
    }
  }
}
