// RFC 2449 §3:
//   command  = keyword *(SP param) CRLF   ; 255 octets maximum
//   keyword  = 3*4VCHAR
//   param    = 1*VCHAR
// RFC 1939 keywords are case-insensitive. Posta is lenient on runs of spaces between
// arguments and on trailing spaces (clients send them), strict on everything else.

extension POP3Command {
  /// Parses one command line. `line` is the line without its terminator, as the Net
  /// layer's `readLine` returns it; a trailing CRLF or LF is tolerated and removed.
  /// - Throws: `POP3ParseError`, whose `response` is the `-ERR` reply to send.
  public static func parse(
    _ line: some Collection<UInt8>, limits: POP3Limits = POP3Limits()
  ) throws(POP3ParseError) -> POP3Command {
    var bytes = Array(line)
    if bytes.last == ASCII.lf {
      bytes.removeLast()
      if bytes.last == ASCII.cr { bytes.removeLast() }
    }
    guard bytes.count + 2 <= limits.commandLine else {
      throw .lineTooLong(limit: limits.commandLine)
    }
    guard !bytes.contains(where: ASCII.isControl) else { throw .controlCharacter }
    guard let first = bytes.firstIndex(where: { $0 != ASCII.space }) else { throw .empty }
    let end = bytes[first...].firstIndex(of: ASCII.space) ?? bytes.endIndex
    let keyword = bytes[first..<end]
    // Everything after the single space that ends the keyword (PASS keeps it verbatim).
    let rest = end < bytes.endIndex ? bytes[(end + 1)...] : []
    let arguments = rest.split(separator: ASCII.space)

    guard keyword.count <= 4, let name = ASCII.upperKeyword(keyword) else {
      throw .unknownCommand(quote(keyword))
    }
    var parser = ArgumentParser(command: name, arguments: arguments, limits: limits)
    switch name {
    case "USER":
      let user = try parser.one("a user name")
      return .user(try utf8(user, command: name))
    case "PASS":
      guard !rest.isEmpty else { throw .missingArgument(command: name, argument: "a password") }
      return .pass(try utf8(rest, command: name))
    case "STAT":
      try parser.none()
      return .stat
    case "NOOP":
      try parser.none()
      return .noop
    case "RSET":
      try parser.none()
      return .rset
    case "QUIT":
      try parser.none()
      return .quit
    case "CAPA":
      try parser.none()
      return .capa
    case "STLS":
      try parser.none()
      return .stls
    case "LIST": return .list(try parser.optionalMessageNumber())
    case "UIDL": return .uidl(try parser.optionalMessageNumber())
    case "RETR": return .retr(try parser.messageNumber())
    case "DELE": return .dele(try parser.messageNumber())
    case "TOP":
      let number = try parser.messageNumber()
      let lines = try parser.lineCount()
      try parser.none()
      return .top(number, lines: lines)
    case "AUTH":
      guard let mechanism = try parser.optional() else { return .authList }
      let initial = try parser.optional()
      try parser.none()
      return .auth(
        mechanism: try saslMechanism(mechanism),
        initialResponse: try initial.map { token throws(POP3ParseError) in
          try base64Token(token, or: "=")
        })
    case "APOP":
      return .apop
    default:
      throw .unknownCommand(name)
    }
  }

  // sasl-mech = 1*20 (UPPER-ALPHA / DIGIT / "-" / "_")   ; RFC 4422 §3.1, any case here
  static func saslMechanism(_ token: ArraySlice<UInt8>) throws(POP3ParseError) -> String {
    guard (1...20).contains(token.count),
      token.allSatisfy({ ASCII.isAlphanumeric($0) || $0 == ASCII.dash || $0 == ASCII.underscore })
    else { throw .invalidMechanism(quote(token)) }
    return String(decoding: token.map(ASCII.uppercased), as: UTF8.self)
  }

  /// Checks base64 text (RFC 4648 alphabet, `=` only as trailing padding) or the one
  /// `marker` allowed in its place: the `=` of an empty initial response or the `*` that
  /// cancels an exchange (RFC 5034 §4). Decoding is the SASL layer's job.
  static func base64Token(
    _ token: some Collection<UInt8>, or marker: String
  ) throws(POP3ParseError) -> String {
    let text = String(decoding: token, as: UTF8.self)
    if text == marker { return text }
    let body = token.prefix { $0 != ASCII.equals }
    let padding = token.count - body.count
    // Padding only completes a final quantum of 2 or 3 characters.
    let paddingFits = padding == 0 || (padding <= 2 && body.count >= 2 && token.count % 4 == 0)
    guard paddingFits, token.dropFirst(body.count).allSatisfy({ $0 == ASCII.equals }),
      body.allSatisfy(ASCII.isBase64)
    else { throw .invalidBase64 }
    return text
  }

  private static func utf8(
    _ bytes: ArraySlice<UInt8>, command: String
  ) throws(POP3ParseError) -> String {
    guard let text = String(validating: bytes, as: UTF8.self) else {
      throw .invalidUTF8(command: command)
    }
    return text
  }

  /// A short, printable rendering of client bytes for an error text.
  static func quote(_ bytes: some Collection<UInt8>) -> String {
    let shown = bytes.prefix(20).map { ASCII.isPrintable($0) ? $0 : UInt8(ascii: "?") }
    return String(decoding: shown, as: UTF8.self) + (bytes.count > 20 ? "..." : "")
  }
}

/// Takes a command's space-separated arguments in order.
private struct ArgumentParser {
  let command: String
  var arguments: [ArraySlice<UInt8>]
  let limits: POP3Limits

  mutating func optional() throws(POP3ParseError) -> ArraySlice<UInt8>? {
    arguments.isEmpty ? nil : arguments.removeFirst()
  }

  mutating func one(_ what: String) throws(POP3ParseError) -> ArraySlice<UInt8> {
    guard let token = try optional() else {
      throw .missingArgument(command: command, argument: what)
    }
    try none()
    return token
  }

  func none() throws(POP3ParseError) {
    guard arguments.isEmpty else { throw .tooManyArguments(command: command) }
  }

  mutating func optionalMessageNumber() throws(POP3ParseError) -> Int? {
    guard let token = try optional() else { return nil }
    try none()
    return try number(token, allowZero: false)
  }

  mutating func messageNumber() throws(POP3ParseError) -> Int {
    guard let token = try optional() else {
      throw .missingArgument(command: command, argument: "a message number")
    }
    if command != "TOP" { try none() }
    return try number(token, allowZero: false)
  }

  mutating func lineCount() throws(POP3ParseError) -> Int {
    guard let token = try optional() else {
      throw .missingArgument(command: command, argument: "a line count")
    }
    return try number(token, allowZero: true)
  }

  // RFC 1939 §3: msg is a positive decimal; TOP's n is non-negative. No signs, no
  // overflow: `+1`, `-1`, `0` (for msg) and 99999999999999999999 are all refused.
  private func number(_ token: ArraySlice<UInt8>, allowZero: Bool) throws(POP3ParseError) -> Int {
    guard token.count <= limits.argument else {
      throw .argumentTooLong(command: command, limit: limits.argument)
    }
    let error: POP3ParseError =
      allowZero
      ? .invalidLineCount(POP3Command.quote(token))
      : .invalidMessageNumber(POP3Command.quote(token))
    var value = 0
    for byte in token {
      guard ASCII.isDigit(byte) else { throw error }
      let (times10, o1) = value.multipliedReportingOverflow(by: 10)
      let (sum, o2) = times10.addingReportingOverflow(Int(byte - ASCII.zero))
      guard !o1, !o2 else { throw error }
      value = sum
    }
    guard allowZero || value > 0 else { throw error }
    return value
  }
}
