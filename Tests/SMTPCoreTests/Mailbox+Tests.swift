import SMTPCore
import Testing

@Suite struct MailboxTests {
  static let valid: [(String, String, String)] = [
    // text, local part, domain as printed
    ("user@example.com", "user", "example.com"),
    ("first.last@sub.example.co.uk", "first.last", "sub.example.co.uk"),
    ("a!#$%&'*+-/=?^_`{|}~z@example.com", "a!#$%&'*+-/=?^_`{|}~z", "example.com"),
    ("\"john doe\"@example.com", "john doe", "example.com"),
    ("\"a\\\"b\\\\c\"@example.com", "a\"b\\c", "example.com"),
    ("\"\"@example.com", "", "example.com"),
    ("\"a..b\"@example.com", "a..b", "example.com"),
    ("user@[192.0.2.1]", "user", "[192.0.2.1]"),
    ("user@[010.000.002.001]", "user", "[10.0.2.1]"),
    ("user@[IPv6:2001:db8::1]", "user", "[IPv6:2001:db8::1]"),
    ("user@[ipv6:2001:DB8:0:0:0:0:0:1]", "user", "[IPv6:2001:db8::1]"),
    ("user@[IPv6:::1]", "user", "[IPv6:::1]"),
    ("user@[IPv6:::ffff:192.0.2.1]", "user", "[IPv6:::ffff:c000:201]"),
    ("user@[IPv6:1:2:3:4:5:6:192.0.2.1]", "user", "[IPv6:1:2:3:4:5:6:c000:201]"),
    ("user@[IPv6:1::3:4:5:6:7:8]", "user", "[IPv6:1:0:3:4:5:6:7:8]"),
    ("user@[x-tag:some-content]", "user", "[x-tag:some-content]"),
    ("user@localhost", "user", "localhost"),
    ("user@123.example", "user", "123.example"),
    ("jörg@bücher.example", "jörg", "bücher.example"),
    ("\"ü ü\"@example.com", "ü ü", "example.com"),
  ]

  @Test(arguments: valid)
  func parses(text: String, local: String, domain: String) throws {
    let m = try #require(Mailbox.parse(text))
    #expect(m.localPart == local)
    #expect(m.domain.description == domain)
    // Canonical form parses to the same mailbox.
    #expect(Mailbox.parse(m.description) == m)
  }

  static let invalid: [String] = [
    "", "user", "@example.com", "user@", ".user@example.com", "user.@example.com",
    "us..er@example.com", "us er@example.com", "\"unterminated@example.com",
    "\"a\\\u{1}\"@example.com", "\"tab\there\"@example.com", "user@-example.com",
    "user@example-.com", "user@example..com", "user@example.com.", "user@exa_mple.com",
    "user@[192.0.2.256]", "user@[192.0.2]", "user@[1.2.3.4.5]", "user@[IPv6:1:2:3:4:5:6:7]",
    "user@[IPv6:1:2:3:4:5:6:7:8:9]", "user@[IPv6:1::2::3]", "user@[IPv6:12345::]",
    "user@[IPv6:g::1]", "user@[192.0.2.1", "user@[tag:]", "user@[-tag:x]",
    "user@[noColon]", "a@b@c",
  ]

  @Test(arguments: invalid)
  func refuses(text: String) {
    #expect(Mailbox.parse(text) == nil)
  }

  @Test func utf8OnlyWhenAllowed() {
    #expect(Mailbox.parse("jörg@example.com", allowUTF8: false) == nil)
    #expect(Mailbox.parse("j@bücher.example", allowUTF8: false) == nil)
    #expect(Mailbox.parse("j@example.com", allowUTF8: false) != nil)
    #expect(Mailbox.parse("jörg@example.com")?.isASCII == false)
    // Bytes that are not UTF-8 never make an address.
    let latin1: [UInt8] = bytes("MAIL FROM:<j") + [0xF6] + bytes("rg@example.com> SMTPUTF8")
    guard
      case .failure(let e) = Result(catching: { () throws(CommandError) in
        try CommandParser().parse(latin1)
      })
    else {
      Issue.record("Latin-1 address parsed")
      return
    }
    #expect(e.reply.code == 501)
  }

  @Test func localPartLimitIs64Octets() {
    let local64 = String(repeating: "a", count: 64)
    #expect(Mailbox.parse(local64 + "@example.com") != nil)
    #expect(Mailbox.parse(local64 + "a@example.com") == nil)
    // Counted as written: the quotes count.
    #expect(Mailbox.parse("\"" + String(repeating: "a", count: 62) + "\"@example.com") != nil)
    #expect(Mailbox.parse("\"" + String(repeating: "a", count: 63) + "\"@example.com") == nil)
    // UTF-8 counts octets: 32 × "ü" is 64 octets.
    #expect(Mailbox.parse(String(repeating: "ü", count: 32) + "@example.com") != nil)
    #expect(Mailbox.parse(String(repeating: "ü", count: 33) + "@example.com") == nil)
  }

  @Test func domainLimitsAre63And255Octets() {
    let label63 = String(repeating: "a", count: 63)
    #expect(Domain(label63 + ".example") != nil)
    #expect(Domain(label63 + "a.example") == nil)
    // 4 × 63 + 3 dots = 255.
    let name255 = [label63, label63, label63, label63].joined(separator: ".")
    #expect(name255.utf8.count == 255)
    #expect(Domain(name255) != nil)
    #expect(Domain(name255 + "a") == nil)
    #expect(Domain("bücher.example", allowUTF8: false) == nil)
    #expect(Domain("Example.COM")?.lowercased == "example.com")
  }

  @Test func pathLimitIs256Octets() {
    // <local64@domain> with the domain sized so the path is exactly 256 octets.
    let local = String(repeating: "a", count: 64)
    let label = String(repeating: "b", count: 63)
    let domain = [label, label, String(repeating: "c", count: 61)].joined(separator: ".")
    let path = "<\(local)@\(domain)>"
    #expect(path.utf8.count == 256)
    #expect(
      parse("RCPT TO:\(path)")
        == .success(.rcpt(.mailbox(mailbox(local, domain)), RcptParameters())))
    let longer = "<\(local)@\(domain)c>"
    #expect(
      parse("RCPT TO:\(longer)")
        == .failure(
          .badRecipientAddress("Bad recipient address syntax: path longer than 256 octets")))
  }

  @Test func encodingQuotesOnlyWhenNeeded() {
    #expect(
      Mailbox(localPart: "plain", domain: .domain(Domain("x.example")!)).description
        == "plain@x.example")
    #expect(
      Mailbox(localPart: "with space", domain: .domain(Domain("x.example")!)).description
        == "\"with space\"@x.example")
    #expect(
      Mailbox(localPart: "q\"b\\s", domain: .domain(Domain("x.example")!)).description
        == "\"q\\\"b\\\\s\"@x.example")
    #expect(
      Mailbox(localPart: "a..b", domain: .domain(Domain("x.example")!)).description
        == "\"a..b\"@x.example")
    #expect(
      Mailbox(localPart: "", domain: .domain(Domain("x.example")!)).description == "\"\"@x.example")
    #expect(ReversePath.null.description == "<>")
    #expect(ForwardPath.postmaster.description == "<Postmaster>")
  }

  @Test func helloNames() {
    #expect(HelloName("mx.example.com")?.host == .domain(Domain("mx.example.com")!))
    #expect(HelloName("[127.0.0.1]")?.host == .addressLiteral(.ipv4([127, 0, 0, 1])))
    #expect(HelloName("my_host")?.host == nil)
    #expect(HelloName("my_host")?.text == "my_host")
    #expect(HelloName("") == nil)
    #expect(HelloName("a b") == nil)
    #expect(HelloName("a\u{7}") == nil)
  }

  @Test func addressLiteralText() {
    #expect(AddressLiteral.ipv6([UInt8](repeating: 0, count: 16)).description == "[IPv6:::]")
    var oct = [UInt8](repeating: 0, count: 16)
    oct[1] = 1
    oct[15] = 1
    #expect(AddressLiteral.ipv6(oct).description == "[IPv6:1::1]")
    // Equal zero runs: the first is compressed (RFC 5952 §4.2.3).
    let groups: [UInt16] = [1, 0, 0, 2, 0, 0, 3, 4]
    let o = groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    #expect(AddressLiteral.ipv6(o).description == "[IPv6:1::2:0:0:3:4]")
  }
}
