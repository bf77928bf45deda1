/// What the server needs to know about a message it received, gathered while the bytes pass
/// through (it holds no message data): size, bare CR/LF, the longest line, 8-bit content and
/// the number of `Received:` header fields.
///
/// Lines are CRLF-terminated only; a bare CR or LF is content (and flagged), the same framing
/// the DATA terminator uses. `DataDecoder` and `BDATDecoder` feed it the decoded message.
public struct MessageFacts: Sendable, Hashable {
  /// Octets of message seen (after dot-unstuffing), including any past a storage limit.
  public private(set) var size = 0
  /// A CR not followed by LF occurred.
  public private(set) var hasBareCR = false
  /// An LF not preceded by CR occurred.
  public private(set) var hasBareLF = false
  /// An octet with the high bit set occurred (8BITMIME/SMTPUTF8 content).
  public private(set) var hasEightBit = false
  /// The longest line in octets, CRLF excluded.
  public private(set) var longestLine = 0
  /// `Received:` fields in the header section (before the first empty line).
  public private(set) var receivedCount = 0

  private enum HeaderState: Sendable, Hashable {
    case lineStart
    case crAtLineStart
    /// Matched this many letters of `received`.
    case name(Int)
    /// After `received`, waiting for optional WSP then `:` (RFC 5322 §4.5.3 obs-optional).
    case afterName
    case skipLine
  }

  /// The field name matched, in lower case.
  private static let receivedName: StaticString = "received"

  private var header = HeaderState.lineStart
  private var inHeader = true
  private var previousCR = false
  private var lineLength = 0
  private var finished = false

  public init() {}

  /// A bare CR or bare LF occurred: the server refuses with `550 5.6.0` (or normalises).
  public var hasBareLineEnding: Bool { hasBareCR || hasBareLF }

  /// The reply refusing this message under `limits`, or nil when it may be stored. Checked in
  /// order: bare CR/LF (`550 5.6.0`), size (`552 5.3.4`), loop (`554 5.4.6`), and a line over
  /// the text line limit (`552 5.3.4`) when `limits.rejectLongTextLines`.
  public func rejection(under limits: SMTPLimits) -> Reply? {
    if hasBareLineEnding { return .smuggling }
    if size > limits.maxMessageSize { return .messageTooBig }
    if receivedCount > limits.maxReceivedHeaders { return .loopDetected }
    if limits.rejectLongTextLines && longestLine > limits.maxTextLineLength {
      return .lineTooLongInData
    }
    return nil
  }

  /// Takes the next bytes of the message.
  public mutating func scan(_ bytes: UnsafeRawBufferPointer) {
    precondition(!finished, "MessageFacts.scan after finish")
    let n = bytes.count
    size += n
    var i = 0
    var high: UInt8 = 0
    while i < n {
      if inHeader && header != .skipLine {
        // The start of a header line goes byte by byte through the `Received:` matcher.
        let b = bytes[i]
        i += 1
        high |= b
        step(b)
        if inHeader && b != ASCII.lf { stepHeader(b) }
        continue
      }
      // Elsewhere only CR and LF matter: skip runs of other octets in a tight loop.
      let start = i
      while i < n {
        let b = bytes[i]
        if b <= ASCII.cr && (b == ASCII.cr || b == ASCII.lf) { break }
        high |= b
        i += 1
      }
      if i > start {
        if previousCR {
          hasBareCR = true
          previousCR = false
        }
        lineLength += i - start
      }
      guard i < n else { break }
      step(bytes[i])
      i += 1
    }
    if high & 0x80 != 0 { hasEightBit = true }
  }

  /// Line bookkeeping for one octet; a CRLF also ends a header line.
  private mutating func step(_ b: UInt8) {
    if b == ASCII.lf {
      if previousCR {
        longestLine = max(longestLine, lineLength - 1)
        lineLength = 0
        if inHeader { endHeaderLine() }
      } else {
        hasBareLF = true
        lineLength += 1
        if inHeader { header = .skipLine }
      }
      previousCR = false
      return
    }
    if previousCR { hasBareCR = true }
    previousCR = b == ASCII.cr
    lineLength += 1
  }

  /// Takes bytes from an array.
  public mutating func scan(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { scan($0) }
  }

  /// The message ended: a trailing CR is bare and an unterminated last line counts.
  public mutating func finish() {
    guard !finished else { return }
    finished = true
    if previousCR { hasBareCR = true }
    longestLine = max(longestLine, lineLength)
  }

  /// A CRLF in the header section: an empty line ends it.
  private mutating func endHeaderLine() {
    if header == .crAtLineStart {
      inHeader = false
    } else {
      header = .lineStart
    }
  }

  private mutating func stepHeader(_ b: UInt8) {
    let name = MessageFacts.receivedName.utf8Start
    let length = MessageFacts.receivedName.utf8CodeUnitCount
    switch header {
    case .lineStart:
      if b == ASCII.cr {
        header = .crAtLineStart
      } else {
        header = ASCII.lower(b) == name[0] ? .name(1) : .skipLine
      }
    case .name(let n):
      if n < length {
        header = ASCII.lower(b) == name[n] ? .name(n + 1) : .skipLine
      } else if b == ASCII.colon {
        receivedCount += 1
        header = .skipLine
      } else {
        header = ASCII.isWhitespace(b) ? .afterName : .skipLine
      }
    case .afterName:
      if b == ASCII.colon {
        receivedCount += 1
        header = .skipLine
      } else if !ASCII.isWhitespace(b) {
        header = .skipLine
      }
    case .crAtLineStart, .skipLine:
      header = .skipLine
    }
  }
}
