/// One server response (RFC 1939 §3, RFC 2449 §8, RFC 5034 §4).
///
/// Texts are made safe on encoding: control characters become spaces, so no text can
/// end a line early or inject another response, and a first line is cut (at a UTF-8
/// character boundary) to fit `POP3Limits.responseLine` octets.
public enum POP3Response: Sendable, Hashable {
  /// `+OK text` (`+OK` alone when `text` is empty).
  case ok(String)
  /// `-ERR [CODE] text` (the code in brackets only when given).
  case error(POP3ResponseCode?, String)
  /// `+ base64`: a SASL challenge (RFC 5034 §4), `+ ` for an empty one. The caller
  /// passes base64 already encoded (the SASL layer's `SASLSession.encode`).
  case continuation(String)
  /// `+OK text`, then each line (dot-stuffed), then the `.` line: CAPA, LIST, UIDL and
  /// the AUTH mechanism list.
  case multiLine(String, lines: [String])

  /// The `.` CRLF that ends every multi-line response (RFC 1939 §3).
  public static let terminator: [UInt8] = [ASCII.dot, ASCII.cr, ASCII.lf]

  /// The response as it goes on the wire, CRLF-terminated.
  public func encoded(limits: POP3Limits = POP3Limits()) -> [UInt8] {
    var out: [UInt8] = []
    encode(into: &out, limits: limits)
    return out
  }

  /// Appends the wire form to `out`.
  public func encode(into out: inout [UInt8], limits: POP3Limits = POP3Limits()) {
    switch self {
    case .ok(let text):
      Self.appendStatus("+OK", code: nil, text: text, into: &out, limits: limits)
    case .error(let code, let text):
      Self.appendStatus("-ERR", code: code, text: text, into: &out, limits: limits)
    case .continuation(let base64):
      out.append(contentsOf: "+ ".utf8)
      Self.appendSafe(base64.utf8, into: &out, budget: Int.max)
      out.append(contentsOf: ASCII.crlf)
    case .multiLine(let text, let lines):
      Self.appendStatus("+OK", code: nil, text: text, into: &out, limits: limits)
      for line in lines {
        Self.appendMultiLineLine(line.utf8, into: &out)
      }
      out.append(contentsOf: Self.terminator)
    }
  }

  /// Appends one line of a multi-line body: dot-stuffed (RFC 1939 §3), made safe, CRLF.
  static func appendMultiLineLine(_ line: some Collection<UInt8>, into out: inout [UInt8]) {
    if line.first == ASCII.dot { out.append(ASCII.dot) }
    appendSafe(line, into: &out, budget: Int.max)
    out.append(contentsOf: ASCII.crlf)
  }

  static func appendStatus(
    _ status: String, code: POP3ResponseCode?, text: String, into out: inout [UInt8],
    limits: POP3Limits
  ) {
    let start = out.count
    out.append(contentsOf: status.utf8)
    if let code {
      out.append(contentsOf: " [".utf8)
      out.append(contentsOf: code.rawValue.utf8)
      out.append(UInt8(ascii: "]"))
    }
    if !text.isEmpty {
      out.append(ASCII.space)
      let budget = limits.responseLine - 2 - (out.count - start)
      appendSafe(text.utf8, into: &out, budget: max(budget, 0))
    }
    out.append(contentsOf: ASCII.crlf)
  }

  /// Appends at most `budget` octets of `text`, control characters replaced by spaces,
  /// never splitting a UTF-8 sequence.
  static func appendSafe(_ text: some Collection<UInt8>, into out: inout [UInt8], budget: Int) {
    var remaining = budget
    var index = text.startIndex
    while index != text.endIndex {
      let lead = text[index]
      let length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
      guard length <= remaining else { return }
      for _ in 0..<length where index != text.endIndex {
        let byte = text[index]
        out.append(ASCII.isControl(byte) ? ASCII.space : byte)
        text.formIndex(after: &index)
      }
      remaining -= length
    }
  }
}
