import SMTPCore

/// The reply that decided a recipient's state: a remote server's, or one Posta made up
/// for a local reason (DNS, timeouts, policy). It is what the queue keeps as the last
/// reply, what `posta queue list` shows, and what a bounce quotes.
///
/// Stored as text: `mx.example.com said: 550 5.1.1 No such user` for a remote reply,
/// `451 4.4.1 connection refused by 192.0.2.1` for a local one.
public struct DeliveryReply: Sendable, Hashable, CustomStringConvertible {
  /// 200–599.
  public var code: Int
  public var enhancedCode: EnhancedStatusCode?
  /// One line; the lines of a multi-line reply joined by spaces.
  public var text: String
  /// The host that sent it; nil when Posta generated it.
  public var remoteMTA: String?

  /// Stored text longer than this is cut (a server may send kilobytes of reply).
  static let maxTextLength = 900

  public init(code: Int, enhancedCode: EnhancedStatusCode?, text: String, remoteMTA: String? = nil)
  {
    self.code = code
    self.enhancedCode = enhancedCode
    self.text = Self.clean(text)
    self.remoteMTA = remoteMTA
  }

  /// A reply received from `host`.
  public init(_ reply: Reply, from host: String) {
    self.init(
      code: reply.code, enhancedCode: reply.enhancedCode,
      text: reply.lines.joined(separator: " "), remoteMTA: host)
  }

  /// A locally generated reply.
  static func local(_ code: Int, _ enhanced: (Int, Int, Int), _ text: String) -> DeliveryReply {
    DeliveryReply(
      code: code, enhancedCode: EnhancedStatusCode(enhanced.0, enhanced.1, enhanced.2), text: text)
  }

  public var isPermanent: Bool { code >= 500 }
  public var isSuccess: Bool { code < 400 }

  /// The reply as SMTP would write it: `550 5.1.1 No such user`.
  public var smtpText: String {
    var s = String(code)
    if let enhancedCode { s += " \(enhancedCode)" }
    if !text.isEmpty { s += " " + text }
    return s
  }

  /// The stored form (see the type's documentation).
  public var description: String {
    (remoteMTA.map { "\($0) said: " } ?? "") + smtpText
  }

  /// Reads the stored form back; text that is not one (an older or hand-made entry)
  /// becomes a local reply with code 451 or 550 as `permanent` says.
  public init(stored: String, permanent: Bool) {
    var rest = Substring(stored)
    var remote: String?
    if let said = rest.range(of: " said: "), !rest[..<said.lowerBound].contains(" ") {
      remote = String(rest[..<said.lowerBound])
      rest = rest[said.upperBound...]
    }
    let digits = rest.prefix(3)
    guard digits.count == 3, let code = Int(digits), (200...599).contains(code),
      rest.count == 3 || rest.dropFirst(3).first == " "
    else {
      self.init(
        code: permanent ? 550 : 451, enhancedCode: nil, text: stored, remoteMTA: remote)
      return
    }
    rest = rest.dropFirst(3).drop { $0 == " " }
    var enhanced: EnhancedStatusCode?
    let word = rest.prefix { $0 != " " }
    if let e = EnhancedStatusCode(word), e.statusClass == code / 100 {
      enhanced = e
      rest = rest.dropFirst(word.count).drop { $0 == " " }
    }
    self.init(code: code, enhancedCode: enhanced, text: String(rest), remoteMTA: remote)
  }

  /// The RFC 3463 status for a DSN: the enhanced code if the server gave one, else one
  /// derived from the reply code's class.
  public var status: EnhancedStatusCode {
    if let enhancedCode { return enhancedCode }
    let c = code / 100
    return EnhancedStatusCode(c == 2 ? 2 : c >= 5 ? 5 : 4, 0, 0)
  }

  /// Control characters become spaces (the text goes into header-like DSN fields and log
  /// lines); overlong text is cut.
  private static func clean(_ text: String) -> String {
    var out = String(
      text.unicodeScalars.map { $0.value < 32 || $0.value == 127 ? " " : Character($0) })
    if out.count > maxTextLength { out = String(out.prefix(maxTextLength)) + "..." }
    return out
  }
}
