import Testing

@testable import DNS

@Suite struct MockResolverTests {
  static func mock() -> MockResolver {
    var m = MockResolver()
    m.mxRecords["Example.test."] = [
      MX(preference: 20, host: "mx2.example.test"), MX(preference: 10, host: "mx1.example.test"),
    ]
    m.nullMX = ["nomail.test"]
    m.aRecords["mx1.example.test"] = [ip("127.0.0.2")]
    m.aaaaRecords["mx1.example.test"] = [ip("::1")]
    m.txtRecords["example.test"] = [TXTRecord(strings: [Array("v=spf1 -all".utf8)])]
    m.ptrRecords[ip("127.0.0.2")] = ["mx1.example.test"]
    m.failures["flaky.test"] = .timedOut(name: "flaky.test", attempts: 2)
    return m
  }

  @Test func answersFromItsMaps() async throws {
    let m = Self.mock()
    #expect(
      try await m.mx("example.test")
        == .records([
          MX(preference: 10, host: "mx1.example.test"),
          MX(preference: 20, host: "mx2.example.test"),
        ]))
    #expect(try await m.mx("NOMAIL.test") == .nullMX)
    #expect(try await m.mx("mx1.example.test") == .noRecords)
    #expect(try await m.mx("nowhere.test") == .nxdomain)
    #expect(try await m.addresses("mx1.example.test") == [ip("127.0.0.2"), ip("::1")])
    #expect(try await m.a("example.test") == [])
    #expect(try await m.a("192.0.2.4") == [ip("192.0.2.4")])
    #expect(try await m.txt("example.test").map(\.text) == ["v=spf1 -all"])
    #expect(try await m.ptr(ip("127.0.0.2")) == ["mx1.example.test"])
    await #expect(throws: DNSError.nxdomain("nowhere.test")) { _ = try await m.a("nowhere.test") }
    await #expect(throws: DNSError.timedOut(name: "flaky.test", attempts: 2)) {
      _ = try await m.mx("flaky.test")
    }
  }

  @Test func combiningAddressFamilies() throws {
    let v4: Result<[IPAddress], DNSError> = .success([ip("192.0.2.1")])
    let v6: Result<[IPAddress], DNSError> = .success([ip("2001:db8::1")])
    let none: Result<[IPAddress], DNSError> = .success([])
    let slow: Result<[IPAddress], DNSError> = .failure(.timedOut(name: "h", attempts: 2))
    let gone: Result<[IPAddress], DNSError> = .failure(.nxdomain("h"))
    #expect(try combineAddresses(v4, v6, host: "h") == [ip("192.0.2.1"), ip("2001:db8::1")])
    // One family answering is enough.
    #expect(try combineAddresses(slow, v6, host: "h") == [ip("2001:db8::1")])
    #expect(try combineAddresses(v4, slow, host: "h") == [ip("192.0.2.1")])
    #expect(try combineAddresses(none, none, host: "h") == [])
    // Nothing found: a missing name wins over a timeout, a timeout over "no records".
    #expect(throws: DNSError.nxdomain("h")) { _ = try combineAddresses(slow, gone, host: "h") }
    #expect(throws: DNSError.timedOut(name: "h", attempts: 2)) {
      _ = try combineAddresses(none, slow, host: "h")
    }
  }
}
