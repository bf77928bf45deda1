import POP3Core
import Testing

@Suite struct POP3CommandTests {
  static let valid: [(String, POP3Command)] = [
    ("USER alice@example.test", .user("alice@example.test")),
    ("user Alice", .user("Alice")),
    ("USER jürgen@example.test", .user("jürgen@example.test")),
    (
      "USER \(String(repeating: "a", count: 60))@example.test",
      .user(String(repeating: "a", count: 60) + "@example.test")
    ),
    ("PASS secret", .pass("secret")),
    ("PASS two words ", .pass("two words ")),
    ("PASS  leading", .pass(" leading")),
    ("pass été", .pass("été")),
    ("STAT", .stat),
    ("stat", .stat),
    ("StAt  ", .stat),
    ("LIST", .list(nil)),
    ("LIST 1", .list(1)),
    ("LIST 0007", .list(7)),
    ("list  12 ", .list(12)),
    ("LIST \(Int.max)", .list(Int.max)),
    ("RETR 1", .retr(1)),
    ("DELE 42", .dele(42)),
    ("NOOP", .noop),
    ("RSET", .rset),
    ("QUIT", .quit),
    ("TOP 1 0", .top(1, lines: 0)),
    ("top 3 25", .top(3, lines: 25)),
    ("UIDL", .uidl(nil)),
    ("UIDL 5", .uidl(5)),
    ("CAPA", .capa),
    ("STLS", .stls),
    ("AUTH", .authList),
    ("AUTH plain", .auth(mechanism: "PLAIN", initialResponse: nil)),
    ("AUTH SCRAM-SHA-256", .auth(mechanism: "SCRAM-SHA-256", initialResponse: nil)),
    (
      "AUTH PLAIN AGFsaWNlAHNlY3JldA==",
      .auth(mechanism: "PLAIN", initialResponse: "AGFsaWNlAHNlY3JldA==")
    ),
    ("AUTH LOGIN =", .auth(mechanism: "LOGIN", initialResponse: "=")),
    ("APOP mrose c4c9334bac560ecc979e58001b3e22fb", .apop),
    ("apop", .apop),
    ("STAT\r\n", .stat),
    ("NOOP\n", .noop),
  ]

  @Test(arguments: valid)
  func parsesValidCommands(_ line: String, _ expected: POP3Command) throws {
    #expect(try POP3Command.parse(Array(line.utf8)) == expected)
  }

  @Test(arguments: valid)
  func roundTripsThroughItsLine(_ line: String, _ expected: POP3Command) throws {
    #expect(try POP3Command.parse(Array(expected.line.utf8)) == expected)
  }

  static let invalid: [(String, POP3ParseError)] = [
    ("", .empty),
    ("   ", .empty),
    ("XYZZY", .unknownCommand("XYZZY")),
    ("LAST", .unknownCommand("LAST")),
    ("RETR1", .unknownCommand("RETR1")),
    ("ST4T", .unknownCommand("ST4T")),
    ("USER", .missingArgument(command: "USER", argument: "a user name")),
    ("USER a b", .tooManyArguments(command: "USER")),
    ("PASS", .missingArgument(command: "PASS", argument: "a password")),
    ("PASS ", .missingArgument(command: "PASS", argument: "a password")),
    ("STAT 1", .tooManyArguments(command: "STAT")),
    ("QUIT now", .tooManyArguments(command: "QUIT")),
    ("LIST 0", .invalidMessageNumber("0")),
    ("LIST -1", .invalidMessageNumber("-1")),
    ("LIST +1", .invalidMessageNumber("+1")),
    ("LIST 1x", .invalidMessageNumber("1x")),
    ("LIST 1 2", .tooManyArguments(command: "LIST")),
    ("RETR", .missingArgument(command: "RETR", argument: "a message number")),
    ("RETR 9223372036854775808", .invalidMessageNumber("9223372036854775808")),
    ("RETR 99999999999999999999999", .invalidMessageNumber("99999999999999999999...")),
    ("RETR \(String(repeating: "0", count: 40))1", .argumentTooLong(command: "RETR", limit: 40)),
    ("DELE one", .invalidMessageNumber("one")),
    ("DELE 1 1", .tooManyArguments(command: "DELE")),
    ("TOP 1", .missingArgument(command: "TOP", argument: "a line count")),
    ("TOP 0 1", .invalidMessageNumber("0")),
    ("TOP 1 -1", .invalidLineCount("-1")),
    ("TOP 1 2 3", .tooManyArguments(command: "TOP")),
    ("UIDL x", .invalidMessageNumber("x")),
    ("AUTH PL@IN", .invalidMechanism("PL@IN")),
    ("AUTH ABCDEFGHIJKLMNOPQRSTU", .invalidMechanism("ABCDEFGHIJKLMNOPQRST...")),
    ("AUTH PLAIN a=b=", .invalidBase64),
    ("AUTH PLAIN ab===", .invalidBase64),
    ("AUTH PLAIN ab!c", .invalidBase64),
    ("AUTH PLAIN ==", .invalidBase64),
    ("AUTH PLAIN AA== extra", .tooManyArguments(command: "AUTH")),
    ("US\u{0}ER x", .controlCharacter),
    ("PASS a\tb", .controlCharacter),
    ("RETR 1\r2", .controlCharacter),
  ]

  @Test(arguments: invalid)
  func rejectsInvalidCommands(_ line: String, _ expected: POP3ParseError) {
    #expect(throws: expected) { try POP3Command.parse(Array(line.utf8)) }
  }

  @Test func namesAndPasswordsMustBeUTF8() {
    #expect(throws: POP3ParseError.invalidUTF8(command: "USER")) {
      try POP3Command.parse(Array("USER ".utf8) + [0xFF, 0x61])
    }
    #expect(throws: POP3ParseError.invalidUTF8(command: "PASS")) {
      try POP3Command.parse(Array("PASS ".utf8) + [0xC3])
    }
  }

  @Test func linesOverTheLimitAreRejected() throws {
    // 253 octets + CRLF = 255: the longest allowed (RFC 2449 §4).
    let longest = "PASS " + String(repeating: "p", count: 248)
    #expect(try POP3Command.parse(Array(longest.utf8)) == .pass(String(repeating: "p", count: 248)))
    #expect(throws: POP3ParseError.lineTooLong(limit: 255)) {
      try POP3Command.parse(Array((longest + "p").utf8))
    }
    // An AUTH initial response counts toward the same limit (RFC 5034 §4).
    let auth = "AUTH PLAIN " + String(repeating: "A", count: 244)
    #expect(throws: POP3ParseError.lineTooLong(limit: 255)) {
      try POP3Command.parse(Array(auth.utf8))
    }
  }

  @Test func errorsMapToMinusERR() {
    let reply = POP3ParseError.invalidMessageNumber("0").response.encoded()
    #expect(String(decoding: reply, as: UTF8.self) == "-ERR invalid message number 0\r\n")
    let unknown = POP3ParseError.unknownCommand("XYZZY").response.encoded()
    #expect(String(decoding: unknown, as: UTF8.self) == "-ERR unknown command XYZZY\r\n")
  }

  @Test func unknownKeywordsAreQuotedSafely() throws {
    let error = #expect(throws: POP3ParseError.self) {
      try POP3Command.parse([0x58, 0xFF, 0x59, 0x20, 0x31])
    }
    #expect(error == .unknownCommand("X?Y"))
  }

  @Test func redactedLineHidesSecrets() {
    #expect(POP3Command.pass("hunter2").redactedLine == "PASS <redacted>")
    #expect(
      POP3Command.auth(mechanism: "PLAIN", initialResponse: "AGEAYg==").redactedLine
        == "AUTH PLAIN <redacted>")
    #expect(POP3Command.user("alice").redactedLine == "USER alice")
    #expect(POP3Command.top(1, lines: 5).keyword == "TOP")
  }

  static let saslLines: [(String, POP3SASLResponse?)] = [
    ("", .data("")),
    ("*", .cancel),
    ("dGVzdA==", .data("dGVzdA==")),
    ("dGVzdA==\r\n", .data("dGVzdA==")),
    ("=", nil),
    ("==", nil),
    ("QQ=", nil),
    ("QQ==", .data("QQ==")),
    ("not base64!", nil),
    ("**", nil),
  ]

  @Test(arguments: saslLines)
  func parsesSASLContinuationLines(_ line: String, _ expected: POP3SASLResponse?) {
    #expect((try? POP3SASLResponse.parse(Array(line.utf8))) == expected)
  }

  @Test func saslLinesHaveTheirOwnLimit() throws {
    let long = [UInt8](repeating: UInt8(ascii: "A"), count: 12_286)
    #expect(try POP3SASLResponse.parse(long) == .data(String(repeating: "A", count: 12_286)))
    #expect(throws: POP3ParseError.lineTooLong(limit: 12_288)) {
      try POP3SASLResponse.parse(long + [UInt8(ascii: "A")])
    }
    #expect(POP3SASLResponse.cancel.text == "*")
  }
}
