/// A header block: the fields of a message or a MIME part, and where its body starts.
public struct Header: Sendable, Hashable, Codable {
  /// The fields in order, at most ``MIMELimits/maxHeaderFields`` of them.
  public var fields: [HeaderField]
  /// The header's bytes: the fields and, when present, the empty line ending them.
  public var range: Range<Int>
  /// Whether the header ended with an empty line (false when it ran to the end of input or
  /// stopped at a line that is not header syntax).
  public var endsWithBlankLine: Bool
  /// Whether fields past ``MIMELimits/maxHeaderFields`` were left out of ``fields``.
  public var isTruncated: Bool

  /// Offset of the first body byte: the header/body boundary.
  public var bodyStart: Int { range.upperBound }

  /// Fields called `name` (case-insensitive), in order.
  public func fields(named name: String) -> [HeaderField] {
    fields.filter { $0.isNamed(name) }
  }

  /// The first field called `name`.
  public func first(named name: String) -> HeaderField? {
    fields.first { $0.isNamed(name) }
  }

  /// How many fields are called `name`; `count(named: "Received")` is the hop count RFC 5321
  /// §6.3 uses for loop detection.
  public func count(named name: String) -> Int {
    fields.reduce(0) { $0 + ($1.isNamed(name) ? 1 : 0) }
  }

  /// Parses the header block at the start of `range` (the whole source by default).
  public static func parse(
    _ source: some ByteSource, in range: Range<Int>? = nil, limits: MIMELimits = MIMELimits()
  ) -> Header {
    source.withBytes { buf in
      let r = (range ?? 0..<buf.count).clamped(to: 0..<buf.count)
      return parse(buf, r, limits: limits)
    }
  }

  static func parse(_ buf: UnsafeRawBufferPointer, _ range: Range<Int>, limits: MIMELimits)
    -> Header
  {
    var fields = [HeaderField]()
    var truncated = false
    var scanner = HeaderScanner(start: range.lowerBound)
    let end = range.upperBound
    var p = range.lowerBound
    var outcome = HeaderScanner.Outcome.endOfInput
    while p < end {
      let eol = buf.lineEnd(from: p, end: end)
      if let done = scanner.feed(buf, lineStart: p, lineEnd: eol) {
        outcome = done
        break
      }
      if let span = scanner.completed {
        scanner.completed = nil
        if fields.count < limits.maxHeaderFields {
          fields.append(HeaderField(span, buf))
        } else {
          truncated = true
        }
      }
      p = eol
    }
    if let span = scanner.finish() {
      if fields.count < limits.maxHeaderFields {
        fields.append(HeaderField(span, buf))
      } else {
        truncated = true
      }
    }
    let headerEnd: Int
    let blank: Bool
    switch outcome {
    case .blankLine(let after):
      headerEnd = after
      blank = true
    case .notHeader(let at):
      headerEnd = at
      blank = false
    case .endOfInput:
      headerEnd = end
      blank = false
    }
    return Header(
      fields: fields, range: range.lowerBound..<headerEnd, endsWithBlankLine: blank,
      isTruncated: truncated)
  }
}

extension HeaderField {
  init(_ span: FieldSpan, _ buf: UnsafeRawBufferPointer) {
    self.init(
      name: HeaderText.string(buf[span.nameRange]), range: span.start..<span.end,
      valueRange: span.valueRange)
  }
}

/// Line-at-a-time header state machine, shared by ``Header/parse(_:in:limits:)`` and the MIME
/// structure scanner (which also watches for boundaries between lines).
struct HeaderScanner {
  enum Outcome: Equatable {
    /// The empty line ended the header; the body starts at `after`.
    case blankLine(after: Int)
    /// A line that is not header syntax ended the header; the body starts at `at`.
    case notHeader(at: Int)
    case endOfInput
  }

  private var pending: FieldSpan?
  /// A field finished by the last `feed`; the caller takes it and sets this back to nil.
  var completed: FieldSpan?
  let start: Int

  init(start: Int) { self.start = start }

  /// Feeds the line `[lineStart, lineEnd)`. Returns how the header ended, or nil to go on.
  mutating func feed(_ buf: UnsafeRawBufferPointer, lineStart: Int, lineEnd: Int) -> Outcome? {
    switch HeaderLine.classify(buf, lineStart, lineEnd) {
    case .blank:
      completed = pending
      pending = nil
      return .blankLine(after: lineEnd)
    case .continuation:
      guard pending != nil else {
        // Whitespace before any field: not a header at all.
        return .notHeader(at: lineStart)
      }
      pending!.valueEnd = buf.contentEnd(lineStart: lineStart, lineEnd: lineEnd)
      pending!.end = lineEnd
      return nil
    case .field(let nameEnd, let colon):
      completed = pending
      pending = FieldSpan(
        start: lineStart, nameEnd: nameEnd, valueStart: colon + 1,
        valueEnd: buf.contentEnd(lineStart: lineStart, lineEnd: lineEnd), end: lineEnd)
      return nil
    case .notHeader:
      completed = pending
      pending = nil
      return .notHeader(at: lineStart)
    }
  }

  /// The field still open when input (or the header's region) ended.
  mutating func finish() -> FieldSpan? {
    defer { pending = nil }
    return completed ?? pending
  }
}
