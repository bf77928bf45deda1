/// Reads the TOML subset Posta's configuration uses: comments; `[table]` and
/// `[[array.of.tables]]` headers with dotted names; bare and quoted keys; basic strings with
/// escapes and literal strings, each on one line; decimal integers with `_`; booleans; and
/// arrays (spanning lines, trailing comma allowed, nested at most `maxArrayDepth` deep).
/// Everything else in TOML (floats, dates, inline tables, multi-line strings, dotted keys
/// before `=`) gets a message saying it is not supported.
///
/// The parser records an error and carries on from the next line that starts a key or a
/// header, so one run reports every syntax error. No input makes it trap or recurse without
/// bound: array nesting, name parts and the error count are capped.
struct TOMLParser {
  static let maxArrayDepth = 32
  static let maxNameParts = 16
  static let maxProblems = 100

  private let bytes: [UInt8]
  private var pos = 0
  private var line = 1
  private var root = TOMLTable(line: 0, isExplicit: true)
  /// The table `key = value` lines go into; nil under a broken header, whose keys are dropped.
  private var current: [String]? = []
  /// The current header as written (`[limits]`, `[[domain]]`), or "" at the top.
  private var header = ""
  private var problems: [Problem] = []

  private init(bytes: [UInt8]) {
    self.bytes = bytes
  }

  /// The root table and every syntax error, in line order.
  static func parse(_ bytes: [UInt8]) -> (root: TOMLTable, problems: [Problem]) {
    var parser = TOMLParser(bytes: bytes)
    parser.run()
    return (parser.root, parser.problems)
  }

  private struct SyntaxError: Error {
    var message: String
    var line: Int
  }

  private mutating func run() {
    if bytes.starts(with: [0xef, 0xbb, 0xbf]) { pos = 3 }  // a UTF-8 byte order mark
    while pos < bytes.count {
      if problems.count >= Self.maxProblems {
        problems.append(Problem(line: line, message: "too many errors; stopped reading here"))
        return
      }
      let startLine = line
      do throws(SyntaxError) {
        try statement()
      } catch {
        problems.append(Problem(line: error.line, message: error.message))
        // The broken line may have held a required key: don't also report it missing.
        if let path = current {
          _ = root.withTable(at: path[...]) { $0.isDamaged = true }
        }
        // A statement that broke lines below its start (an array missing its ']') may have
        // run into a header or key: look at that line again rather than skipping it.
        if line > startLine { rewindToLineStart() } else { skipLine() }
        resynchronize()
      }
    }
  }

  private mutating func statement() throws(SyntaxError) {
    skipSpaces()
    switch peek() {
    case nil: return
    case Byte.openBracket: try tableHeader()
    case Byte.newline, Byte.carriageReturn, Byte.hash: try endOfLine(after: "")
    default: try keyValue()
    }
  }

  // MARK: - Headers

  private mutating func tableHeader() throws(SyntaxError) {
    let headerLine = line
    current = nil
    header = ""
    pos += 1
    let isArray = peek() == Byte.openBracket
    if isArray { pos += 1 }
    var parts: [String] = []
    repeat {
      if parts.count == Self.maxNameParts {
        throw SyntaxError(
          message: "a table name may have at most \(Self.maxNameParts) parts", line: line)
      }
      if !parts.isEmpty { pos += 1 }  // the dot
      skipSpaces()
      parts.append(try key())
      skipSpaces()
    } while peek() == Byte.dot
    let name = Quote.tableName(parts)
    guard peek() == Byte.closeBracket, !isArray || peek(1) == Byte.closeBracket else {
      let written = isArray ? "[[\(name)" : "[\(name)"
      let close = isArray ? "]]" : "]"
      throw SyntaxError(
        message: "expected \(close) to close \(written), found \(describeHere())", line: line)
    }
    pos += isArray ? 2 : 1
    header = isArray ? "[[\(name)]]" : "[\(name)]"
    try endOfLine(after: header)
    if let message = root.define(parts[...], isArray: isArray, line: headerLine) {
      problems.append(Problem(line: headerLine, message: "\(header): \(message)"))
    } else {
      current = parts
    }
  }

  // MARK: - Key/value lines

  private mutating func keyValue() throws(SyntaxError) {
    let keyLine = line
    let name = try key()
    let subject = Quote.subject(header: header, key: name)
    let value: TOMLValue
    do throws(SyntaxError) {
      skipSpaces()
      if peek() == Byte.dot {
        throw SyntaxError(
          message: "dotted keys are not supported; put the key under a [table] header",
          line: line)
      }
      guard peek() == Byte.equals else {
        throw SyntaxError(
          message: "expected '=' after the key, found \(describeHere())", line: line)
      }
      pos += 1
      skipSpaces()
      value = try self.value(depth: 0, arrayLine: nil)
      try endOfLine(after: "the value")
    } catch {
      throw SyntaxError(message: "\(subject): \(error.message)", line: error.line)
    }
    guard let path = current else { return }
    if let message = root.insert(value, key: name, at: path[...]) {
      problems.append(Problem(line: keyLine, message: "\(subject): \(message)"))
    }
  }

  private mutating func key() throws(SyntaxError) -> String {
    switch peek() {
    case Byte.quote: return try basicString()
    case Byte.apostrophe: return try literalString()
    default:
      let start = pos
      while let byte = peek(), Self.isBareKeyByte(byte) { pos += 1 }
      guard pos > start else {
        throw SyntaxError(message: "expected a key, found \(describeHere())", line: line)
      }
      return String(decoding: bytes[start..<pos], as: UTF8.self)
    }
  }

  // MARK: - Values

  /// `arrayLine` is the line of the outermost array being read, for a hint when a `]` is
  /// missing and the next key lands inside the array.
  private mutating func value(depth: Int, arrayLine: Int?) throws(SyntaxError) -> TOMLValue {
    let valueLine = line
    switch peek() {
    case nil, Byte.newline, Byte.carriageReturn, Byte.hash:
      throw SyntaxError(message: "missing value", line: line)
    case Byte.quote: return TOMLValue(.string(try basicString()), line: valueLine)
    case Byte.apostrophe: return TOMLValue(.string(try literalString()), line: valueLine)
    case Byte.openBracket: return try array(depth: depth + 1, outerLine: arrayLine)
    case Byte.openBrace:
      throw SyntaxError(
        message: "inline tables are not supported; use a [table] header", line: line)
    default: return try word(arrayLine: arrayLine)
    }
  }

  private mutating func array(depth: Int, outerLine: Int?) throws(SyntaxError) -> TOMLValue {
    let openLine = line
    guard depth <= Self.maxArrayDepth else {
      throw SyntaxError(
        message: "arrays are nested more than \(Self.maxArrayDepth) deep", line: line)
    }
    pos += 1
    var items: [TOMLValue] = []
    let notClosed = SyntaxError(message: "array is not closed (missing ']')", line: openLine)
    while true {
      try skipArraySpace()
      guard let byte = peek() else { throw notClosed }
      if byte == Byte.closeBracket {
        pos += 1
        break
      }
      items.append(try value(depth: depth, arrayLine: outerLine ?? openLine))
      try skipArraySpace()
      switch peek() {
      case Byte.comma: pos += 1
      case Byte.closeBracket:
        pos += 1
        return TOMLValue(.array(items), line: openLine)
      case nil: throw notClosed
      default:
        throw SyntaxError(
          message: "expected ',' or ']' after an array element, found \(describeHere())",
          line: line)
      }
    }
    return TOMLValue(.array(items), line: openLine)
  }

  /// A boolean, an integer, or a bare word that is an error with a hint.
  private mutating func word(arrayLine: Int?) throws(SyntaxError) -> TOMLValue {
    let wordLine = line
    let start = pos
    while let byte = peek(), Self.isWordByte(byte) { pos += 1 }
    guard pos > start else {
      throw SyntaxError(message: "expected a value, found \(describeHere())", line: line)
    }
    let word = String(decoding: bytes[start..<pos], as: UTF8.self)
    let shown = word.count > 40 ? String(word.prefix(40)) + "…" : word
    switch word {
    case "true": return TOMLValue(.boolean(true), line: wordLine)
    case "false": return TOMLValue(.boolean(false), line: wordLine)
    case "inf", "+inf", "-inf", "nan", "+nan", "-nan":
      throw SyntaxError(message: "floating-point numbers are not supported", line: wordLine)
    default: break
    }
    if let first = word.first, first.isASCII, first.isNumber || first == "+" || first == "-" {
      switch Self.integer(word, shown: shown) {
      case .success(let value): return TOMLValue(.integer(value), line: wordLine)
      case .failure(let error): throw SyntaxError(message: error.message, line: wordLine)
      }
    }
    var message = "expected a value, found \(shown); put strings in quotes"
    if let arrayLine, arrayLine != wordLine {
      message += " (is the array opened on line \(arrayLine) missing its ']'?)"
    }
    throw SyntaxError(message: message, line: wordLine)
  }

  private static func integer(_ word: String, shown: String) -> Result<Int, ValueError> {
    var digits = Substring(word)
    let negative = digits.first == "-"
    if digits.first == "-" || digits.first == "+" { digits = digits.dropFirst() }
    if digits.hasPrefix("0x") || digits.hasPrefix("0o") || digits.hasPrefix("0b") {
      return .failure(ValueError("only decimal integers are supported, found \(shown)"))
    }
    if digits.contains(":")
      || (digits.contains("-") && !digits.contains(where: { "eE".contains($0) }))
    {
      return .failure(ValueError("dates and times are not supported, found \(shown)"))
    }
    if digits.contains(where: { ".eE".contains($0) }) {
      return .failure(ValueError("floating-point numbers are not supported, found \(shown)"))
    }
    guard !digits.isEmpty, digits.allSatisfy({ ($0.isASCII && $0.isNumber) || $0 == "_" }) else {
      return .failure(ValueError("\(shown) is not a valid integer"))
    }
    if digits.first == "_" || digits.last == "_" || digits.contains("__") {
      return .failure(ValueError("misplaced '_' in \(shown) (only between digits)"))
    }
    if digits.count > 1, digits.first == "0" {
      return .failure(ValueError("leading zeros are not allowed, found \(shown)"))
    }
    var value = 0
    for character in digits where character != "_" {
      let digit = Int(character.asciiValue! - UInt8(ascii: "0"))
      let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
      let (next, overflow2) =
        negative
        ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
      if overflow1 || overflow2 { return .failure(ValueError("\(shown) is too large")) }
      value = next
    }
    return .success(value)
  }

  private mutating func basicString() throws(SyntaxError) -> String {
    let startLine = line
    if peek(1) == Byte.quote, peek(2) == Byte.quote {
      throw SyntaxError(message: "multi-line strings (\"\"\") are not supported", line: line)
    }
    pos += 1
    var out: [UInt8] = []
    while true {
      guard let byte = peek(), byte != Byte.newline, byte != Byte.carriageReturn else {
        throw SyntaxError(message: "unterminated string", line: startLine)
      }
      pos += 1
      switch byte {
      case Byte.quote: return String(decoding: out, as: UTF8.self)
      case Byte.backslash: try escape(into: &out, startLine: startLine)
      default:
        if Self.isControl(byte) { throw controlCharacter(byte, in: "a string; write an escape") }
        out.append(byte)
      }
    }
  }

  private mutating func escape(into out: inout [UInt8], startLine: Int) throws(SyntaxError) {
    guard let byte = peek(), byte != Byte.newline, byte != Byte.carriageReturn else {
      throw SyntaxError(message: "unterminated string", line: startLine)
    }
    pos += 1
    switch byte {
    case UInt8(ascii: "b"): out.append(0x08)
    case UInt8(ascii: "t"): out.append(0x09)
    case UInt8(ascii: "n"): out.append(0x0a)
    case UInt8(ascii: "f"): out.append(0x0c)
    case UInt8(ascii: "r"): out.append(0x0d)
    case Byte.quote, Byte.backslash: out.append(byte)
    case UInt8(ascii: "u"), UInt8(ascii: "U"):
      let count = byte == UInt8(ascii: "u") ? 4 : 8
      let end = min(pos + count, bytes.count)
      let hex = bytes[pos..<end]
      guard hex.count == count, hex.allSatisfy({ Character(Unicode.Scalar($0)).isHexDigit }),
        let value = UInt32(String(decoding: hex, as: UTF8.self), radix: 16),
        let scalar = Unicode.Scalar(value)
      else {
        throw SyntaxError(
          message: "\\\(Character(Unicode.Scalar(byte))) needs \(count) hex digits "
            + "naming a Unicode scalar", line: line)
      }
      pos = end
      out.append(contentsOf: Array(String(Character(scalar)).utf8))
    default:
      pos -= 1
      let written =
        (0x21..<0x7f).contains(byte)
        ? "\\\(Character(Unicode.Scalar(byte)))" : "\\ before \(describeHere())"
      throw SyntaxError(
        message: "invalid escape \(written); write \\\\ for a backslash", line: line)
    }
  }

  private mutating func literalString() throws(SyntaxError) -> String {
    let startLine = line
    if peek(1) == Byte.apostrophe, peek(2) == Byte.apostrophe {
      throw SyntaxError(message: "multi-line strings (''') are not supported", line: line)
    }
    pos += 1
    let start = pos
    while true {
      guard let byte = peek(), byte != Byte.newline, byte != Byte.carriageReturn else {
        throw SyntaxError(message: "unterminated string", line: startLine)
      }
      if byte == Byte.apostrophe {
        pos += 1
        return String(decoding: bytes[start..<pos - 1], as: UTF8.self)
      }
      if Self.isControl(byte) { throw controlCharacter(byte, in: "a literal string") }
      pos += 1
    }
  }

  // MARK: - Spaces, comments, line ends

  private mutating func skipSpaces() {
    while let byte = peek(), byte == Byte.space || byte == Byte.tab { pos += 1 }
  }

  /// Spaces, comments and line breaks between array elements.
  private mutating func skipArraySpace() throws(SyntaxError) {
    while true {
      skipSpaces()
      switch peek() {
      case Byte.hash: try comment()
      case Byte.newline:
        pos += 1
        line += 1
      case Byte.carriageReturn where peek(1) == Byte.newline:
        pos += 2
        line += 1
      default: return
      }
    }
  }

  /// Consumes spaces, an optional comment and the line break (or the end of the input).
  private mutating func endOfLine(after what: String) throws(SyntaxError) {
    skipSpaces()
    if peek() == Byte.hash { try comment() }
    switch peek() {
    case nil: return
    case Byte.newline:
      pos += 1
      line += 1
    case Byte.carriageReturn where peek(1) == Byte.newline:
      pos += 2
      line += 1
    case Byte.carriageReturn:
      throw SyntaxError(message: "carriage return without a line feed", line: line)
    default:
      let place = what.isEmpty ? "" : " after \(what)"
      throw SyntaxError(message: "unexpected \(describeHere())\(place)", line: line)
    }
  }

  private mutating func comment() throws(SyntaxError) {
    while let byte = peek(), byte != Byte.newline {
      if byte == Byte.carriageReturn, peek(1) == Byte.newline { return }
      if Self.isControl(byte) { throw controlCharacter(byte, in: "a comment") }
      pos += 1
    }
  }

  private func controlCharacter(_ byte: UInt8, in place: String) -> SyntaxError {
    SyntaxError(
      message: "control character \(Quote.character(Unicode.Scalar(byte))) in \(place)",
      line: line)
  }

  /// Skips to the start of the next line.
  private mutating func skipLine() {
    while let byte = peek(), byte != Byte.newline { pos += 1 }
    if pos < bytes.count {
      pos += 1
      line += 1
    }
  }

  private mutating func rewindToLineStart() {
    while pos > 0, bytes[pos - 1] != Byte.newline { pos -= 1 }
  }

  /// After an error, skips lines (the rest of a broken array, say) until one starts a key or
  /// a header, so that one mistake gives one message.
  private mutating func resynchronize() {
    while pos < bytes.count {
      var probe = self
      probe.skipSpaces()
      switch probe.peek() {
      case nil: return
      case Byte.newline, Byte.carriageReturn, Byte.hash: skipLine()
      default:
        if probe.startsStatement() { return }
        skipLine()
      }
    }
  }

  private mutating func startsStatement() -> Bool {
    if peek() == Byte.openBracket {
      pos += peek(1) == Byte.openBracket ? 2 : 1
      repeat {
        if peek() == Byte.dot { pos += 1 }
        skipSpaces()
        guard (try? key()) != nil else { return false }
        skipSpaces()
      } while peek() == Byte.dot
      return peek() == Byte.closeBracket
    }
    guard (try? key()) != nil else { return false }
    skipSpaces()
    return peek() == Byte.equals
  }

  // MARK: - Bytes

  private func peek(_ offset: Int = 0) -> UInt8? {
    pos + offset < bytes.count ? bytes[pos + offset] : nil
  }

  /// The character at the current position, for messages.
  private func describeHere() -> String {
    guard let byte = peek() else { return "the end of the file" }
    if byte == Byte.newline || byte == Byte.carriageReturn { return "the end of the line" }
    let end = min(pos + 4, bytes.count)
    let scalar = String(decoding: bytes[pos..<end], as: UTF8.self).unicodeScalars.first
    return Quote.character(scalar ?? Unicode.Scalar(byte))
  }

  private static func isControl(_ byte: UInt8) -> Bool {
    (byte < 0x20 && byte != Byte.tab) || byte == 0x7f
  }

  private static func isBareKeyByte(_ byte: UInt8) -> Bool {
    Quote.isBareKeyCharacter(Unicode.Scalar(byte))
  }

  /// Bytes that may make up a boolean, a number, or a mistaken bare word.
  private static func isWordByte(_ byte: UInt8) -> Bool {
    isBareKeyByte(byte) || byte == UInt8(ascii: "+") || byte == Byte.dot
      || byte == UInt8(ascii: ":")
  }

  private enum Byte {
    static let tab = UInt8(ascii: "\t")
    static let newline = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let space = UInt8(ascii: " ")
    static let quote = UInt8(ascii: "\"")
    static let apostrophe = UInt8(ascii: "'")
    static let hash = UInt8(ascii: "#")
    static let dot = UInt8(ascii: ".")
    static let comma = UInt8(ascii: ",")
    static let equals = UInt8(ascii: "=")
    static let backslash = UInt8(ascii: "\\")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let openBrace = UInt8(ascii: "{")
  }
}
