/// An SMTP reply: a three-digit code, an optional enhanced status code and one or more text
/// lines (RFC 5321 §4.2).
///
/// The enhanced code, when present, is written at the start of every line (RFC 2034 §3). The
/// server leaves it off the greeting, the EHLO/HELO reply and 3xx intermediate replies (a
/// `334` carries only base64).
public struct Reply: Sendable, Hashable, CustomStringConvertible {
  /// The reply code, 200–599.
  public var code: Int
  /// The RFC 3463 code written before each line's text, if any.
  public var enhancedCode: EnhancedStatusCode?
  /// The text lines; an empty array encodes as one line with no text.
  public var lines: [String]

  /// A reply of `lines`.
  /// - Precondition: `code` is 200–599.
  public init(code: Int, enhancedCode: EnhancedStatusCode? = nil, lines: [String]) {
    precondition((200...599).contains(code), "SMTP reply codes are 200-599")
    self.code = code
    self.enhancedCode = enhancedCode
    self.lines = lines
  }

  /// A one-line reply.
  public init(_ code: Int, _ enhancedCode: EnhancedStatusCode?, _ text: String) {
    self.init(code: code, enhancedCode: enhancedCode, lines: [text])
  }

  /// The same reply with its text replaced by `text` (one line): catalogue entries with a
  /// detail, e.g. `Reply.unknownUser.with(text: "5.1.1 <bob@example.com>: no such user")`.
  public func with(text: String) -> Reply {
    var copy = self
    copy.lines = [text]
    return copy
  }

  /// 2xx: the command succeeded.
  public var isPositiveCompletion: Bool { code / 100 == 2 }
  /// 3xx: more input is expected (354 after DATA, 334 during AUTH).
  public var isPositiveIntermediate: Bool { code / 100 == 3 }
  /// 4xx: try again later.
  public var isTransientFailure: Bool { code / 100 == 4 }
  /// 5xx: do not repeat as is.
  public var isPermanentFailure: Bool { code / 100 == 5 }
  /// 500–504: the replies RFC 5321 §4.2.4 lists for syntax and sequence errors, which the
  /// server counts to end abusive sessions.
  public var isSyntaxOrSequenceError: Bool { (500...504).contains(code) }

  /// The text lines joined by `\n`, without codes.
  public var text: String { lines.joined(separator: "\n") }

  /// The reply as it goes on the wire, for logs (`250-a\r\n250 b` shown as `250-a | 250 b`).
  public var description: String {
    ASCII.lossyString(encoded().dropLast(2)).replacingCRLF(with: " | ")
  }

  // MARK: - Encoding

  /// The wire bytes: `code-text CRLF` for every line but the last, `code SP text CRLF` for it
  /// (the space even without text, as RFC 4954's `"334" SP [base64]` needs).
  public func encoded() -> [UInt8] {
    var out: [UInt8] = []
    write(into: &out)
    return out
  }

  /// Appends the wire bytes to `buffer` (replies are batched while pipelining).
  ///
  /// CR, LF and NUL in a line become spaces: text often quotes client input, and a line break
  /// in it would forge an extra reply line.
  public func write(into buffer: inout [UInt8]) {
    let texts = lines.isEmpty ? [""] : lines
    let codeBytes = Array(String(code).utf8)
    let prefix = enhancedCode.map { Array($0.description.utf8) }
    for (i, text) in texts.enumerated() {
      buffer.append(contentsOf: codeBytes)
      let last = i == texts.count - 1
      buffer.append(last ? ASCII.space : ASCII.hyphen)
      let body = Array(text.utf8)
      if let prefix {
        buffer.append(contentsOf: prefix)
        if !body.isEmpty { buffer.append(ASCII.space) }
      }
      for b in body {
        buffer.append(b == ASCII.cr || b == ASCII.lf || b == 0 ? ASCII.space : b)
      }
      buffer.append(ASCII.cr)
      buffer.append(ASCII.lf)
    }
  }
}

extension String {
  fileprivate func replacingCRLF(with separator: String) -> String {
    split(separator: "\r\n", omittingEmptySubsequences: false).joined(separator: separator)
  }
}
