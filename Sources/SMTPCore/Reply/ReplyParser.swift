/// The client side's reply reader: feed it reply lines (without CRLF) one at a time; it returns
/// the `Reply` when the last line of one arrives (RFC 5321 §4.2).
///
/// Reply-line = *( Reply-code "-" [ textstring ] CRLF ) Reply-code [ SP textstring ] CRLF
///
/// An enhanced status code is recognised at the start of the text when its class matches the
/// reply code's first digit (`550 5.1.1 …`) and is then removed from every line that repeats
/// it. Bounded: at most `limits.maxReplyLines` lines of `limits.replyLineLength` octets.
public struct ReplyParser: Sendable {
  public let limits: SMTPLimits
  private var code: Int?
  private var enhanced: EnhancedStatusCode?
  private var lines: [String] = []

  public init(limits: SMTPLimits = SMTPLimits()) {
    self.limits = limits
  }

  /// True between the first and the last line of a multi-line reply.
  public var isInsideReply: Bool { code != nil }

  /// Takes one line; returns the reply when `line` ended it, nil when more lines follow.
  /// After an error the parser is reset; the connection is beyond repair anyway.
  public mutating func parse(line: some Collection<UInt8>) throws(ReplyParseError) -> Reply? {
    do {
      // Control characters the encoder would not write become spaces first, as there, so a
      // reply reads the same before and after a round trip.
      return try parseLine(
        line.map { $0 == ASCII.cr || $0 == ASCII.lf || $0 == 0 ? ASCII.space : $0 })
    } catch {
      self = ReplyParser(limits: limits)
      throw error
    }
  }

  private mutating func parseLine(_ bytes: [UInt8]) throws(ReplyParseError) -> Reply? {
    guard bytes.count + 2 <= limits.replyLineLength else { throw .lineTooLong }
    // Reply-code = %x32-35 %x30-35 %x30-39
    guard bytes.count >= 3, (0x32...0x35).contains(bytes[0]), (0x30...0x35).contains(bytes[1]),
      ASCII.isDigit(bytes[2])
    else { throw .malformedLine(ASCII.lossyString(bytes.prefix(64))) }
    let lineCode = bytes[0..<3].reduce(0) { $0 * 10 + Int($1 - 0x30) }
    var last = true
    if bytes.count > 3 {
      switch bytes[3] {
      case ASCII.hyphen: last = false
      case ASCII.space: last = true
      default: throw .malformedLine(ASCII.lossyString(bytes.prefix(64)))
      }
    }
    if let code, code != lineCode { throw .inconsistentCodes(first: code, then: lineCode) }
    guard lines.count < limits.maxReplyLines else { throw .tooManyLines }
    var scanner = ByteScanner(bytes, index: min(4, bytes.count))
    if code == nil {
      code = lineCode
      let start = scanner.index
      if let e = EnhancedStatusCode.parse(&scanner), e.statusClass == lineCode / 100,
        scanner.isAtEnd || scanner.peek() == ASCII.space
      {
        enhanced = e
        _ = scanner.take(ASCII.space)
      } else {
        scanner.index = start
      }
    } else if let enhanced {
      // Strip the code when this line repeats it (RFC 2034 §3 puts it on every line).
      let start = scanner.index
      if let e = EnhancedStatusCode.parse(&scanner), e == enhanced,
        scanner.isAtEnd || scanner.peek() == ASCII.space
      {
        _ = scanner.take(ASCII.space)
      } else {
        scanner.index = start
      }
    }
    lines.append(ASCII.lossyString(scanner.remaining))
    guard last, let code else { return nil }
    let reply = Reply(code: code, enhancedCode: enhanced, lines: lines)
    self = ReplyParser(limits: limits)
    return reply
  }

  /// Parses every complete reply in `bytes` (CRLF-terminated lines; bare LF tolerated):
  /// a convenience for tests and fuzzing. Returns the replies and how many bytes they used.
  public static func parseAll(
    _ bytes: [UInt8], limits: SMTPLimits = SMTPLimits()
  ) throws(ReplyParseError) -> (replies: [Reply], consumed: Int) {
    var parser = ReplyParser(limits: limits)
    var replies: [Reply] = []
    var consumed = 0
    var lineStart = 0
    for (i, b) in bytes.enumerated() where b == ASCII.lf {
      var end = i
      if end > lineStart && bytes[end - 1] == ASCII.cr { end -= 1 }
      if let reply = try parser.parse(line: bytes[lineStart..<end]) {
        replies.append(reply)
        consumed = i + 1
      }
      lineStart = i + 1
    }
    return (replies, consumed)
  }
}

/// Why a server's reply could not be read.
public enum ReplyParseError: Error, Sendable, Hashable, CustomStringConvertible {
  /// A line that does not start with a reply code and `-`, SP or its end.
  case malformedLine(String)
  /// A multi-line reply whose lines carry different codes.
  case inconsistentCodes(first: Int, then: Int)
  /// More lines than `SMTPLimits.maxReplyLines`.
  case tooManyLines
  /// A line longer than `SMTPLimits.replyLineLength`.
  case lineTooLong

  public var description: String {
    switch self {
    case .malformedLine(let l): return "malformed SMTP reply line: \(l)"
    case .inconsistentCodes(let a, let b): return "multi-line reply mixes codes \(a) and \(b)"
    case .tooManyLines: return "SMTP reply has too many lines"
    case .lineTooLong: return "SMTP reply line too long"
    }
  }
}
