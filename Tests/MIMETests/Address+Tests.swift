import MIME
import Testing

@Suite struct AddressTests {
  static func m(_ name: String?, _ local: String, _ domain: String?, route: String? = nil)
    -> Address
  {
    .mailbox(Mailbox(displayName: name, route: route, localPart: local, domain: domain))
  }

  static let cases: [(String, [Address])] = [
    ("user@example.com", [m(nil, "user", "example.com")]),
    ("John Doe <jdoe@example.com>", [m("John Doe", "jdoe", "example.com")]),
    ("\"Doe, John\" <jdoe@example.com>", [m("Doe, John", "jdoe", "example.com")]),
    ("\"quoted \\\"inner\\\"\" <q@x.y>", [m("quoted \"inner\"", "q", "x.y")]),
    ("a@b.c, d@e.f", [m(nil, "a", "b.c"), m(nil, "d", "e.f")]),
    ("jdoe@example.com (John Doe)", [m("John Doe", "jdoe", "example.com")]),
    ("John (middle) Doe <j@x.y>", [m("John Doe", "j", "x.y")]),
    ("John Q. Public <jqp@x.y>", [m("John Q. Public", "jqp", "x.y")]),
    ("\"odd local\"@example.com", [m(nil, "odd local", "example.com")]),
    ("first . last @ example . com", [m(nil, "first.last", "example.com")]),
    (
      "<@a.example,@b.example:user@c.example>",
      [m(nil, "user", "c.example", route: "@a.example,@b.example")]
    ),
    ("user@[192.0.2.1]", [m(nil, "user", "[192.0.2.1]")]),
    ("root", [m(nil, "root", nil)]),
    ("<>", [m(nil, "", nil)]),
    (
      "Group: a@b.c, Name <d@e.f>;",
      [
        .group(
          MailboxGroup(
            displayName: "Group",
            members: [
              Mailbox(localPart: "a", domain: "b.c"),
              Mailbox(displayName: "Name", localPart: "d", domain: "e.f"),
            ]))
      ]
    ),
    (
      "undisclosed-recipients:;",
      [.group(MailboxGroup(displayName: "undisclosed-recipients", members: []))]
    ),
    (
      "Group: a@b.c",
      [
        .group(
          MailboxGroup(displayName: "Group", members: [Mailbox(localPart: "a", domain: "b.c")]))
      ]
    ),
    ("a@b.c,,, ,d@e.f", [m(nil, "a", "b.c"), m(nil, "d", "e.f")]),
    ("Broken <a@b.c, d@e.f", [m("Broken", "a", "b.c"), m(nil, "d", "e.f")]),
    ("\"unterminated <a@b.c>", [m(nil, "unterminated <a@b.c>", nil)]),
    ("=?utf-8?q?J=C3=B6rg?= <joerg@x.y>", [m("=?utf-8?q?J=C3=B6rg?=", "joerg", "x.y")]),
    ("Zoë <zoe@x.y>", [m("Zoë", "zoe", "x.y")]),
    ("", []),
    ("(just a comment)", []),
  ]

  @Test(arguments: 0..<cases.count)
  func parses(_ i: Int) {
    let (input, expected) = Self.cases[i]
    #expect(Address.parseList(Array(input.utf8)) == expected, "\(input)")
  }

  @Test func accessors() {
    let list = Address.parseList(Array("=?utf-8?q?J=C3=B6rg?= <Joerg@X.Y>, G: a@b.c, d@e.f;".utf8))
    #expect(list.allMailboxes.map(\.address) == ["Joerg@X.Y", "a@b.c", "d@e.f"])
    if case .mailbox(let m) = list[0] { #expect(m.decodedDisplayName == "Jörg") }
  }

  @Test func addressCountIsCapped() {
    let many = Array(Array(repeating: "a@b.c", count: 100).joined(separator: ",").utf8)
    #expect(Address.parseList(many, limits: MIMELimits(maxAddresses: 7)).count == 7)
  }
}
