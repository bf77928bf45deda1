/// One `esmtp-param` of MAIL or RCPT before it is interpreted (RFC 5321 §4.1.2):
/// `esmtp-keyword ["=" esmtp-value]`.
struct ESMTPParameter {
  /// The keyword in upper case.
  let keyword: String
  /// The raw value bytes, nil when there was no `=`.
  let value: ArraySlice<UInt8>?

  /// Mail-parameters = esmtp-param *(SP esmtp-param)
  /// esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
  /// esmtp-value = 1*(%d33-60 / %d62-126)   ; RFC 6531 adds UTF8-non-ascii
  ///
  /// Runs of spaces between parameters are tolerated. A syntax error comes back as the text
  /// for the 501 reply.
  static func parseList(_ scanner: inout ByteScanner) -> Result<[ESMTPParameter], SyntaxText> {
    var out: [ESMTPParameter] = []
    while !scanner.isAtEnd {
      let keyword = scanner.take(while: { ASCII.isAlphaDigit($0) || $0 == ASCII.hyphen })
      guard let first = keyword.first, ASCII.isAlphaDigit(first) else {
        return .failure(SyntaxText("invalid parameter keyword"))
      }
      var value: ArraySlice<UInt8>?
      if scanner.take(ASCII.equals) {
        let v = scanner.take(while: { ($0 >= 33 && $0 <= 126 && $0 != ASCII.equals) || $0 >= 0x80 })
        guard !v.isEmpty else {
          return .failure(SyntaxText("empty value for parameter \(ASCII.lossyString(keyword))"))
        }
        value = v
      }
      let name = String(decoding: keyword.map(ASCII.upper), as: UTF8.self)
      out.append(ESMTPParameter(keyword: name, value: value))
      if scanner.isAtEnd { break }
      guard scanner.takeSpaces() else {
        return .failure(SyntaxText("invalid character in parameter \(name)"))
      }
    }
    return .success(out)
  }

  /// The parameters of one MAIL or RCPT command, each keyword at most once, with the
  /// 501 texts both commands give for a malformed list or a repeated keyword.
  static func parseUniqueList(_ scanner: inout ByteScanner) throws(CommandError)
    -> [ESMTPParameter]
  {
    let list: [ESMTPParameter]
    switch parseList(&scanner) {
    case .success(let l): list = l
    case .failure(let e): throw .syntax("Syntax error in parameters: \(e.text)")
    }
    var seen = Set<String>()
    for param in list where !seen.insert(param.keyword).inserted {
      throw .syntax("Parameter \(param.keyword) given twice")
    }
    return list
  }

  /// The 501 for a value this keyword does not take.
  var invalidValue: CommandError { .syntax("Invalid value for parameter \(keyword)") }

  /// The value in upper case, for keyword-like values (BODY=8bitmime).
  var upperValue: String? {
    value.map { String(decoding: $0.map(ASCII.upper), as: UTF8.self) }
  }
}

/// A syntax complaint for a 501 reply text.
struct SyntaxText: Error {
  let text: String
  init(_ text: String) { self.text = text }
}
