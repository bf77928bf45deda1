/// Parses one command line (without its CRLF) into a `Command`, or says which reply refuses it.
///
/// Verbs are case-insensitive; trailing spaces are ignored; `MAIL FROM: <a@b>` (a space after
/// the colon, a common client quirk) is accepted. Addresses must be in angle brackets.
public struct CommandParser: Sendable {
  /// The line limits in force.
  public var limits: SMTPLimits

  public init(limits: SMTPLimits = SMTPLimits()) {
    self.limits = limits
  }

  /// Verbs from RFC 821/5321 and old extensions that Posta knows but does not implement: they
  /// get `502 5.5.1` rather than `500` (RFC 5321 §4.2.4).
  private static let unimplemented: Set<String> = [
    "ETRN", "TURN", "ATRN", "SEND", "SOML", "SAML", "VERB", "ONEX", "BURL",
  ]

  /// Parses `line`.
  /// - Parameter smtputf8Transaction: the transaction's MAIL carried SMTPUTF8, so RCPT may
  ///   name non-ASCII addresses (RFC 6531 §3.4).
  public func parse(
    _ line: some Collection<UInt8>, smtputf8Transaction: Bool = false
  ) throws(CommandError) -> Command {
    var bytes = Array(line)
    var scanner = ByteScanner(bytes)
    let verbBytes = scanner.take(while: { $0 != ASCII.space })
    let verbName = String(decoding: verbBytes.map(ASCII.upper), as: UTF8.self)
    let verb = Command.Verb(rawValue: verbName)
    // RFC 5321 §4.5.3.1.4 and RFC 4954 §4: limits count the CRLF.
    let limit = verb == .auth ? limits.saslLineLength : limits.commandLineLength
    guard bytes.count + 2 <= limit else { throw .lineTooLong }
    while let last = bytes.last, ASCII.isWhitespace(last) { bytes.removeLast() }
    scanner = ByteScanner(bytes, index: verbBytes.count)
    guard let verb else {
      throw CommandParser.unimplemented.contains(verbName)
        ? .notImplemented(verb: verbName) : .unknownCommand
    }
    switch verb {
    case .ehlo, .helo:
      guard scanner.takeSpaces(), let text = ASCII.string(validating: scanner.remaining),
        let name = HelloName(text)
      else { throw .syntax("Syntax: \(verb.rawValue) domain or address literal") }
      return verb == .ehlo ? .ehlo(name) : .helo(name)
    case .mail:
      return try parseMail(&scanner)
    case .rcpt:
      return try parseRcpt(&scanner, smtputf8Transaction: smtputf8Transaction)
    case .data, .rset, .quit, .starttls:
      guard scanner.isAtEnd else { throw .syntax("Syntax: \(verb.rawValue) takes no arguments") }
      switch verb {
      case .data: return .data
      case .rset: return .rset
      case .quit: return .quit
      default: return .starttls
      }
    case .bdat:
      return try parseBDAT(&scanner)
    case .noop, .help:
      let argument = scanner.takeSpaces() ? ASCII.lossyString(scanner.remaining) : nil
      return verb == .noop ? .noop(argument) : .help(argument)
    case .vrfy, .expn:
      guard scanner.takeSpaces(), !scanner.isAtEnd else {
        throw .syntax("Syntax: \(verb.rawValue) string")
      }
      let argument = ASCII.lossyString(scanner.remaining)
      return verb == .vrfy ? .vrfy(argument) : .expn(argument)
    case .auth:
      return try parseAuth(&scanner)
    }
  }

  /// mail = "MAIL FROM:" Reverse-path [SP Mail-parameters] CRLF
  private func parseMail(_ scanner: inout ByteScanner) throws(CommandError) -> Command {
    guard scanner.takeSpaces(), scanner.take(caseInsensitive: "FROM:") else {
      throw .syntax("Syntax: MAIL FROM:<address>")
    }
    _ = scanner.takeSpaces()
    let path: ReversePath
    do {
      path = try PathParser.reversePath(&scanner)
    } catch {
      throw .badSenderAddress("Bad sender address syntax: \(error.message)")
    }
    let params = try parseParameterTail(&scanner, sender: true) { (s) throws(CommandError) in
      try MailParameters.parse(&s)
    }
    // RFC 6531 §3.4: UTF-8 addresses only in an SMTPUTF8 transaction.
    if !path.isASCII && !params.smtputf8 { throw .nonASCIIAddress }
    return .mail(path, params)
  }

  /// rcpt = "RCPT TO:" ( "<Postmaster@" Domain ">" / "<Postmaster>" / Forward-path )
  ///        [SP Rcpt-parameters] CRLF
  private func parseRcpt(
    _ scanner: inout ByteScanner, smtputf8Transaction: Bool
  ) throws(CommandError) -> Command {
    guard scanner.takeSpaces(), scanner.take(caseInsensitive: "TO:") else {
      throw .syntax("Syntax: RCPT TO:<address>")
    }
    _ = scanner.takeSpaces()
    let path: ForwardPath
    do {
      path = try PathParser.forwardPath(&scanner)
    } catch {
      throw .badRecipientAddress("Bad recipient address syntax: \(error.message)")
    }
    let params = try parseParameterTail(&scanner, sender: false) { (s) throws(CommandError) in
      try RcptParameters.parse(&s)
    }
    if !path.isASCII && !smtputf8Transaction { throw .nonASCIIAddress }
    return .rcpt(path, params)
  }

  /// After the path: nothing, or spaces and parameters. Anything glued to the `>` belongs to
  /// the address and makes it bad.
  private func parseParameterTail<P>(
    _ scanner: inout ByteScanner, sender: Bool,
    _ parse: (inout ByteScanner) throws(CommandError) -> P
  ) throws(CommandError) -> P {
    if !scanner.isAtEnd && !scanner.takeSpaces() {
      let text = "Bad \(sender ? "sender" : "recipient") address syntax: text after '>'"
      throw sender ? .badSenderAddress(text) : .badRecipientAddress(text)
    }
    return try parse(&scanner)
  }

  /// bdat-cmd = "BDAT" SP chunk-size [ SP end-marker ] CRLF
  /// chunk-size = 1*DIGIT; end-marker = "LAST"   (RFC 3030 §2)
  private func parseBDAT(_ scanner: inout ByteScanner) throws(CommandError) -> Command {
    let syntax = CommandError.syntax("Syntax: BDAT size [LAST]")
    guard scanner.takeSpaces() else { throw syntax }
    let digits = scanner.take(while: ASCII.isDigit)
    // 18 digits always fit an Int; a larger chunk could not be counted off the stream anyway.
    guard (1...18).contains(digits.count) else { throw syntax }
    let size = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    var last = false
    if !scanner.isAtEnd {
      guard scanner.takeSpaces(), scanner.take(caseInsensitive: "LAST"), scanner.isAtEnd else {
        throw syntax
      }
      last = true
    }
    return .bdat(size: size, last: last)
  }

  /// auth-command = "AUTH" SP sasl-mech [SP initial-response]
  /// sasl-mech = 1*20mech-char; mech-char = UPPER-ALPHA / DIGIT / HYPHEN / UNDERSCORE
  /// initial-response = base64 / "="   (RFC 4954 §4)
  private func parseAuth(_ scanner: inout ByteScanner) throws(CommandError) -> Command {
    let syntax = CommandError.syntax("Syntax: AUTH mechanism [initial-response]")
    guard scanner.takeSpaces() else { throw syntax }
    let mech = scanner.take(while: {
      ASCII.isAlphaDigit($0) || $0 == ASCII.hyphen || $0 == ASCII.underscore
    })
    guard (1...20).contains(mech.count) else { throw syntax }
    let mechanism = String(decoding: mech.map(ASCII.upper), as: UTF8.self)
    if scanner.isAtEnd { return .auth(mechanism: mechanism, initialResponse: nil) }
    guard scanner.takeSpaces() else { throw syntax }
    let rest = scanner.remaining
    if rest.count == 1 && rest.first == ASCII.equals {
      return .auth(mechanism: mechanism, initialResponse: .empty)
    }
    guard Base64Text.isValid(rest) else { throw .invalidBase64 }
    return .auth(mechanism: mechanism, initialResponse: .base64(ASCII.lossyString(rest)))
  }
}

/// The base64 alphabet check RFC 4954 asks of responses (RFC 4648 §4, padded).
enum Base64Text {
  static func isValid(_ text: some Collection<UInt8>) -> Bool {
    guard !text.isEmpty, text.count % 4 == 0 else { return false }
    var padding = 0
    for b in text {
      if b == ASCII.equals {
        padding += 1
        continue
      }
      guard padding == 0,
        ASCII.isAlphaDigit(b) || b == ASCII.plus || b == 0x2F
      else { return false }
    }
    return padding <= 2
  }
}
