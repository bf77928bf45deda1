import Testing

@testable import Config

@Suite struct TOMLParserTests {
  @Test func scalarsKeysAndComments() {
    let text = """
      # comment
      bare_key-1 = "basic \\"quoted\\" \\\\ \\t \\u00e9 \\U0001F600"  # trailing comment
      "quoted key" = 'C:\\literal\\path'
      'literal key' = ""
      number = 1_000_000
      negative = -42
      plus = +7
      zero = 0
      yes = true
      no = false
      empty = ''

      """
    let (root, problems) = Fixture.toml(text)
    #expect(problems == [])
    #expect(root["bare_key-1"] == TOMLValue(.string("basic \"quoted\" \\ \t é 😀"), line: 2))
    #expect(root["quoted key"]?.kind == .string("C:\\literal\\path"))
    #expect(root["literal key"]?.kind == .string(""))
    #expect(root["number"]?.kind == .integer(1_000_000))
    #expect(root["negative"]?.kind == .integer(-42))
    #expect(root["plus"]?.kind == .integer(7))
    #expect(root["zero"]?.kind == .integer(0))
    #expect(root["yes"]?.kind == .boolean(true))
    #expect(root["no"]?.kind == .boolean(false))
    #expect(root["empty"]?.kind == .string(""))
    #expect(
      root.keys == [
        "bare_key-1", "quoted key", "literal key", "number", "negative", "plus", "zero", "yes",
        "no", "empty",
      ])
  }

  @Test func extremeIntegers() {
    let (root, problems) = Fixture.toml(
      "max = 9_223_372_036_854_775_807\nmin = -9223372036854775808\n")
    #expect(problems == [])
    #expect(root["max"]?.kind == .integer(Int.max))
    #expect(root["min"]?.kind == .integer(Int.min))
  }

  @Test func multiLineArraysKeepElementLines() {
    let text = """
      list = [
        "a",  # first
        # a comment line
        "b",
        [1, 2,],
      ]
      empty = [ ]
      """
    let (root, problems) = Fixture.toml(text)
    #expect(problems == [])
    guard case .array(let items)? = root["list"]?.kind else {
      Issue.record("list is not an array")
      return
    }
    #expect(root["list"]?.line == 1)
    #expect(items.map(\.line) == [2, 4, 5])
    #expect(
      items[2].kind == .array([TOMLValue(.integer(1), line: 5), TOMLValue(.integer(2), line: 5)]))
    #expect(root["empty"]?.kind == .array([]))
  }

  @Test func headersAndArraysOfTables() {
    let text = """
      top = 1
      [tls]
      [[tls.certificate]]
      cert = "a"
      [[ tls . "certificate" ]]
      cert = "b"
      [a.b.c]
      x = 1
      [a]
      y = 2
      """
    let (root, problems) = Fixture.toml(text)
    #expect(problems == [])
    guard case .table(let tls)? = root["tls"]?.kind,
      case .tableArray(let certificates)? = tls["certificate"]?.kind
    else {
      Issue.record("no [[tls.certificate]]")
      return
    }
    #expect(certificates.map(\.line) == [3, 5])
    #expect(certificates.map { $0["cert"]?.kind } == [.string("a"), .string("b")])
    guard case .table(let a)? = root["a"]?.kind, case .table(let b)? = a["b"]?.kind,
      case .table(let c)? = b["c"]?.kind
    else {
      Issue.record("no [a.b.c]")
      return
    }
    #expect(c["x"]?.kind == .integer(1))
    #expect(a["y"]?.kind == .integer(2))
  }

  @Test func crlfLineEndingsAndByteOrderMark() {
    let (root, problems) = Fixture.toml("\u{FEFF}a = 1\r\nb = [\r\n  2,\r\n]\r\n# c\r\n")
    #expect(problems == [])
    #expect(root["a"]?.kind == .integer(1))
    #expect(root["b"]?.kind == .array([TOMLValue(.integer(2), line: 3)]))
  }

  struct SyntaxCase: Sendable, CustomTestStringConvertible {
    var text: String
    var problems: [String]
    var testDescription: String { text.debugDescription }
  }

  @Test(arguments: [
    SyntaxCase(text: "a = \"open\nb = 1\n", problems: ["1: a: unterminated string"]),
    SyntaxCase(text: "a = 'open\n", problems: ["1: a: unterminated string"]),
    SyntaxCase(
      text: "a = \"x\\q\"\n", problems: ["1: a: invalid escape \\q; write \\\\ for a backslash"]),
    SyntaxCase(
      text: "a = \"\\u12\"\n", problems: ["1: a: \\u needs 4 hex digits naming a Unicode scalar"]),
    SyntaxCase(
      text: "a = \"\\uD800\"\n",
      problems: ["1: a: \\u needs 4 hex digits naming a Unicode scalar"]),
    SyntaxCase(
      text: "a = \"\"\"x\"\"\"\n", problems: ["1: a: multi-line strings (\"\"\") are not supported"]
    ),
    SyntaxCase(
      text: "a = 1.5\n", problems: ["1: a: floating-point numbers are not supported, found 1.5"]),
    SyntaxCase(text: "a = nan\n", problems: ["1: a: floating-point numbers are not supported"]),
    SyntaxCase(
      text: "a = 1979-05-27\n",
      problems: ["1: a: dates and times are not supported, found 1979-05-27"]),
    SyntaxCase(
      text: "a = 0x1f\n", problems: ["1: a: only decimal integers are supported, found 0x1f"]),
    SyntaxCase(text: "a = 012\n", problems: ["1: a: leading zeros are not allowed, found 012"]),
    SyntaxCase(text: "a = 1__0\n", problems: ["1: a: misplaced '_' in 1__0 (only between digits)"]),
    SyntaxCase(text: "a = 10_\n", problems: ["1: a: misplaced '_' in 10_ (only between digits)"]),
    SyntaxCase(
      text: "a = 9223372036854775808\n", problems: ["1: a: 9223372036854775808 is too large"]),
    SyntaxCase(text: "a = 12ab\n", problems: ["1: a: 12ab is not a valid integer"]),
    SyntaxCase(text: "a =\n", problems: ["1: a: missing value"]),
    SyntaxCase(text: "a = # nothing\n", problems: ["1: a: missing value"]),
    SyntaxCase(text: "a 1\n", problems: ["1: a: expected '=' after the key, found '1'"]),
    SyntaxCase(
      text: "a.b = 1\n",
      problems: ["1: a: dotted keys are not supported; put the key under a [table] header"]),
    SyntaxCase(
      text: "a = {x = 1}\n",
      problems: ["1: a: inline tables are not supported; use a [table] header"]),
    SyntaxCase(text: "a = 1 2\n", problems: ["1: a: unexpected '2' after the value"]),
    SyntaxCase(
      text: "a = [1 2]\n", problems: ["1: a: expected ',' or ']' after an array element, found '2'"]
    ),
    SyntaxCase(text: "a = [1,\n2,\n", problems: ["1: a: array is not closed (missing ']')"]),
    SyntaxCase(text: "a = [,]\n", problems: ["1: a: expected a value, found ','"]),
    SyntaxCase(text: "= 1\n", problems: ["1: expected a key, found '='"]),
    SyntaxCase(
      text: "[a\nx = 1\n", problems: ["1: expected ] to close [a, found the end of the line"]),
    SyntaxCase(text: "[[a]\n", problems: ["1: expected ]] to close [[a, found ']'"]),
    SyntaxCase(text: "[]\n", problems: ["1: expected a key, found ']'"]),
    SyntaxCase(text: "[a] x\n", problems: ["1: unexpected 'x' after [a]"]),
    SyntaxCase(text: "a = 1\na = 2\n", problems: ["2: a: duplicate key (first set on line 1)"]),
    SyntaxCase(
      text: "a = 1\n[a]\n", problems: ["2: [a]: a is already a value (line 1), not a table"]),
    SyntaxCase(
      text: "a = [1]\n[[a]]\n",
      problems: ["2: [[a]]: a is already a value (line 1), not a table"]),
    SyntaxCase(
      text: "a = 1\n[a.b]\n", problems: ["2: [a.b]: a is already a value (line 1), not a table"]),
    SyntaxCase(text: "[a]\n[a]\n", problems: ["2: [a]: table defined twice (first on line 1)"]),
    SyntaxCase(
      text: "[a]\n[[a]]\n",
      problems: ["2: [[a]]: a is already a table (line 1), not an array of tables"]),
    SyntaxCase(
      text: "[[a]]\n[a]\n",
      problems: ["2: [a]: a is an array of tables (line 1); write [[a]] to add an entry"]),
    SyntaxCase(
      text: "[a.b]\n[a]\nb = 1\n", problems: ["3: [a] b: already defined as a table on line 1"]),
    SyntaxCase(
      text: "a = \"x\u{0}y\"\n",
      problems: ["1: a: control character U+0000 in a string; write an escape"]),
    SyntaxCase(
      text: "a = 'x\u{7F}'\n", problems: ["1: a: control character U+007F in a literal string"]),
    SyntaxCase(text: "# x\u{0}\n", problems: ["1: control character U+0000 in a comment"]),
    SyntaxCase(text: "\u{0} = 1\n", problems: ["1: expected a key, found U+0000"]),
    SyntaxCase(text: "a = 1\rb = 2\n", problems: ["1: a: carriage return without a line feed"]),
    SyntaxCase(text: "a = é\n", problems: ["1: a: expected a value, found 'é' (U+00E9)"]),
    SyntaxCase(
      text: "[x]\nlevel = debug\n",
      problems: ["2: [x] level: expected a value, found debug; put strings in quotes"]),
  ])
  func syntaxErrors(_ test: SyntaxCase) {
    #expect(Fixture.toml(test.text).problems == test.problems)
  }

  @Test func recoversAndReportsEveryError() {
    let text = """
      a = "unterminated
      b = 2
      c = [
        "x",
        oops,
        "y",
      ]
      d = 1.5
      e = 5
      """
    let (root, problems) = Fixture.toml(text)
    #expect(
      problems == [
        "1: a: unterminated string",
        "5: c: expected a value, found oops; put strings in quotes "
          + "(is the array opened on line 3 missing its ']'?)",
        "8: d: floating-point numbers are not supported, found 1.5",
      ])
    #expect(root["b"]?.kind == .integer(2))
    #expect(root["e"]?.kind == .integer(5))
  }

  @Test func unclosedArrayDoesNotSwallowTheNextTable() {
    let text = """
      [listen]
      smtp = ["127.0.0.1:25",
      [limits]
      max_connections = 5
      """
    let (root, problems) = Fixture.toml(text)
    #expect(
      problems == [
        "3: [listen] smtp: expected a value, found limits; put strings in quotes "
          + "(is the array opened on line 2 missing its ']'?)"
      ])
    guard case .table(let limits)? = root["limits"]?.kind else {
      Issue.record("[limits] was lost")
      return
    }
    #expect(limits["max_connections"]?.kind == .integer(5))
  }

  @Test func brokenHeaderDropsItsKeysSilently() {
    let (root, problems) = Fixture.toml("[a\nx = 1\n[b]\ny = 2\n")
    #expect(problems == ["1: expected ] to close [a, found the end of the line"])
    #expect(root["x"] == nil)
    #expect(root["a"] == nil)
    guard case .table(let b)? = root["b"]?.kind else {
      Issue.record("[b] was lost")
      return
    }
    #expect(b["y"]?.kind == .integer(2))
  }
}

@Suite struct HostileInputTests {
  @Test func deepArrayNestingIsBounded() {
    let text = "a = " + String(repeating: "[", count: 100_000) + "\nb = 1\n"
    let (root, problems) = Fixture.toml(text)
    #expect(problems == ["1: a: arrays are nested more than 32 deep"])
    #expect(root["b"]?.kind == .integer(1))
  }

  @Test func nestingAtTheLimitIsAccepted() {
    let depth = TOMLParser.maxArrayDepth
    let text = "a = " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
    #expect(Fixture.toml(text).problems == [])
  }

  @Test func deepArrayOverManyLinesIsBounded() {
    let text = "a = " + String(repeating: "[\n", count: 10_000) + "b = 1\n"
    let (_, problems) = Fixture.toml(text)
    #expect(problems == ["33: a: arrays are nested more than 32 deep"])
  }

  @Test func longDottedHeaderIsBounded() {
    let text = "[" + Array(repeating: "a", count: 50_000).joined(separator: ".") + "]\n"
    #expect(Fixture.toml(text).problems == ["1: a table name may have at most 16 parts"])
  }

  @Test func errorCountIsBounded() {
    let text = String(repeating: "a = !\n", count: 10_000)
    let problems = Fixture.toml(text).problems
    #expect(problems.count == TOMLParser.maxProblems + 1)
    #expect(problems.last == "101: too many errors; stopped reading here")
    #expect(Fixture.errors(text).count == TOMLParser.maxProblems + 1)
  }

  @Test func manyArrayTablesStayCheap() {
    let text = String(repeating: "[[domain]]\nname = \"example.test\"\n", count: 5_000)
    let errors = Fixture.errors(text)
    #expect(
      errors.first
        == "posta.conf:4: [[domain]] name: duplicate domain \"example.test\" (first on line 2)")
    #expect(errors.last == "posta.conf: 4899 more errors not shown")
  }

  @Test func nulBytesAnywhere() {
    for text in [
      "\u{0}", "a = \u{0}", "[\u{0}]", "[[a]]\u{0}", "a = [\u{0}]", "a = \"\u{0}", "'\u{0}' = 1",
    ] {
      #expect(!Fixture.toml(text).problems.isEmpty, "\(text.debugDescription)")
    }
  }

  /// Random and mutated inputs never trap. A fixed-seed generator keeps runs repeatable.
  @Test func randomInputsNeverTrap() {
    var random = SplitMix(seed: 0x5EED)
    let alphabet = Array("[]{}=\"'#.,\n\r\t \\_-+:01az9tfeuU\u{0}é".utf8)
    for _ in 0..<800 {
      let length = Int(random.next() % 120)
      let bytes = (0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
      _ = TOMLParser.parse(bytes)
      _ = try? PostaConfig.parse(
        text: String(decoding: bytes, as: UTF8.self), file: "f", directory: "/",
        systemHostName: "h")
    }
    let sample = Array(Self.sample.utf8)
    for _ in 0..<800 {
      var bytes = sample
      for _ in 0..<(1 + random.next() % 4) {
        let index = Int(random.next() % UInt64(bytes.count))
        switch random.next() % 3 {
        case 0: bytes[index] = alphabet[Int(random.next() % UInt64(alphabet.count))]
        case 1: bytes.remove(at: index)
        default: bytes.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: index)
        }
      }
      _ = try? PostaConfig.parse(
        text: String(decoding: bytes, as: UTF8.self), file: "f", directory: "/",
        systemHostName: "h")
    }
  }

  static let sample = """
    hostname = "localhost"
    data_dir = "../var"
    [listen]
    smtp = ["127.0.0.1:10025", "[::1]:10025"]
    trusted_proxies = ["10.0.0.0/8"]
    [[tls.certificate]]
    cert = "c.pem"
    key = 'k.pem'
    [[domain]]
    name = "example.test"
    [limits]
    max_message_size = "50M"
    smtp_idle_timeout = 300
    """
}

/// SplitMix64: a tiny deterministic generator for repeatable fuzz inputs.
struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
