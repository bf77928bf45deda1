import Testing

@testable import Auth

@Suite struct LoginNameTests {
  @Test(arguments: [
    ("alice@example.test", "alice@example.test"),
    ("  Alice@Example.TEST\t", "alice@example.test"),
    ("first.last+tag@sub.example.test", "first.last+tag@sub.example.test"),
    ("Ünïcode@Exämple.test", "ünïcode@exämple.test"),
  ])
  func normalises(_ raw: String, _ expected: String) {
    #expect(LoginName.normalize(raw) == expected)
  }

  @Test(arguments: [
    "", "alice", "@example.test", "alice@", "alice@@example.test", "al ice@example.test",
    ".alice@example.test", "alice.@example.test", "al..ice@example.test", "alice@-example.test",
    "alice@example..test", "alice@exa_mple.test", "\"alice\"@example.test",
    "alice\u{0}@example.test",
    "alice@example.test\u{85}x", String(repeating: "a", count: 65) + "@example.test",
    "a@" + String(repeating: "b.", count: 130) + "test",
  ])
  func rejects(_ raw: String) {
    #expect(LoginName.normalize(raw) == nil)
  }

  @Test func throttleKeys() {
    #expect(ClientAddress.throttleKey("192.0.2.1") == "192.0.2.1")
    #expect(ClientAddress.throttleKey("::ffff:192.0.2.1") == "192.0.2.1")
    #expect(
      ClientAddress.throttleKey("2001:db8:1:2::1")
        == ClientAddress.throttleKey("[2001:db8:1:2:ffff::9]"))
    #expect(
      ClientAddress.throttleKey("2001:db8:1:2::1") != ClientAddress.throttleKey("2001:db8:1:3::1"))
  }
}
