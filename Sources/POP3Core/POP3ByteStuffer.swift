import Glibc

/// Turns a stored message, fed in chunks of any size, into the body of a RETR or TOP
/// response (RFC 1939 §3, §7).
///
/// - Line endings become CRLF: an LF without a CR before it gets one. A CR not followed
///   by LF is message content and passes through (so it never ends a line here, and it is
///   counted the same way by `POP3MessageSize`).
/// - A line starting with `.` gets a second `.` in front (byte-stuffing).
/// - `finish` ends an unterminated last line with CRLF, then appends `.` CRLF.
/// - The TOP variant (`init(bodyLines:)`) emits the header, the blank line after it, and
///   the first `bodyLines` body lines; once those are out `isComplete` turns true and
///   further input is ignored, so the caller can stop reading storage. A message without
///   a blank line is all header and is sent whole.
///
/// The output does not depend on how the input is split into chunks: a CR at the end of
/// a chunk is held until the next byte shows whether it starts a CRLF.
public struct POP3ByteStuffer: Sendable {
  private enum Phase: Sendable {
    case everything
    case header(bodyLines: Int)
    case body(remaining: Int)
    case complete
  }

  private var phase: Phase
  /// No content on the current line yet (a held CR is not content yet).
  private var atLineStart = true
  /// The last byte was a CR whose fate (line end or content) is still open.
  private var heldCR = false
  private var finished = false

  /// A stuffer for RETR: the whole message.
  public init() { phase = .everything }

  /// A stuffer for `TOP msg n`: the header and `bodyLines` (≥ 0) body lines.
  public init(bodyLines: Int) {
    precondition(bodyLines >= 0, "TOP line count must not be negative")
    phase = .header(bodyLines: bodyLines)
  }

  /// True once TOP has emitted all it will; further input is ignored. Always false for
  /// RETR until `finish`.
  public var isComplete: Bool {
    if case .complete = phase { return true }
    return false
  }

  /// Stuffs the next chunk of the message into `output`.
  public mutating func append(_ chunk: some Collection<UInt8>, to output: inout [UInt8]) {
    precondition(!finished, "append after finish")
    let done: Void? = chunk.withContiguousStorageIfAvailable { process($0, into: &output) }
    if done == nil {
      Array(chunk).withUnsafeBufferPointer { process($0, into: &output) }
    }
  }

  /// Stuffs the next chunk and returns the bytes to send.
  public mutating func append(_ chunk: some Collection<UInt8>) -> [UInt8] {
    var output: [UInt8] = []
    output.reserveCapacity(chunk.count + chunk.count / 32 + 8)
    append(chunk, to: &output)
    return output
  }

  /// Ends the message: closes an unterminated last line, then appends `.` CRLF. Call once.
  public mutating func finish(to output: inout [UInt8]) {
    precondition(!finished, "finish called twice")
    finished = true
    if !isComplete {
      if heldCR {
        heldCR = false
        emitContent(ASCII.cr, into: &output)
      }
      if !atLineStart { output.append(contentsOf: ASCII.crlf) }
    }
    output.append(contentsOf: POP3Response.terminator)
  }

  /// Ends the message and returns the last bytes to send.
  public mutating func finish() -> [UInt8] {
    var output: [UInt8] = []
    finish(to: &output)
    return output
  }

  /// The whole RETR (or, with `bodyLines`, TOP) body for a message in memory.
  public static func stuff(_ message: some Collection<UInt8>, bodyLines: Int? = nil) -> [UInt8] {
    var stuffer = bodyLines.map { POP3ByteStuffer(bodyLines: $0) } ?? POP3ByteStuffer()
    var output: [UInt8] = []
    output.reserveCapacity(message.count + message.count / 32 + 8)
    stuffer.append(message, to: &output)
    stuffer.finish(to: &output)
    return output
  }

  // MARK: - Internals

  private mutating func process(_ input: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) {
    var i = 0
    let n = input.count
    while i < n {
      if isComplete { return }
      // Fast path for the common line, ending in LF or CRLF with no other CR: find its
      // end with memchr and copy it whole. Anything else takes the byte-wise steps below.
      if !heldCR, let end = Self.simpleLineEnd(input, from: i) {
        if end.content > i {
          if atLineStart {
            if input[i] == ASCII.dot { output.append(ASCII.dot) }
            atLineStart = false
          }
          output.append(contentsOf: UnsafeBufferPointer(rebasing: input[i..<end.content]))
        }
        endLine(into: &output)
        i = end.next
        continue
      }
      let byte = input[i]
      if byte == ASCII.lf {
        heldCR = false
        endLine(into: &output)
        i += 1
        continue
      }
      if heldCR { emitContent(ASCII.cr, into: &output) }
      if byte == ASCII.cr {
        heldCR = true
        i += 1
        continue
      }
      heldCR = false
      // Copy the run of ordinary bytes up to the next CR or LF in one go.
      if atLineStart {
        if byte == ASCII.dot { output.append(ASCII.dot) }
        atLineStart = false
      }
      var j = i + 1
      while j < n, input[j] != ASCII.lf, input[j] != ASCII.cr { j += 1 }
      output.append(contentsOf: UnsafeBufferPointer(rebasing: input[i..<j]))
      i = j
    }
  }

  /// Where the line starting at `from` ends, if an LF ends it within `input` and no CR
  /// other than one right before that LF is on it: the end of its content and the index
  /// after the LF.
  private static func simpleLineEnd(_ input: UnsafeBufferPointer<UInt8>, from: Int)
    -> (content: Int, next: Int)?
  {
    guard let base = input.baseAddress,
      let found = memchr(base + from, Int32(ASCII.lf), input.count - from)
    else { return nil }
    let lf = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    let content = lf > from && input[lf - 1] == ASCII.cr ? lf - 1 : lf
    if content > from, memchr(base + from, Int32(ASCII.cr), content - from) != nil { return nil }
    return (content, lf + 1)
  }

  private mutating func emitContent(_ byte: UInt8, into output: inout [UInt8]) {
    if atLineStart {
      if byte == ASCII.dot { output.append(ASCII.dot) }
      atLineStart = false
    }
    output.append(byte)
  }

  private mutating func endLine(into output: inout [UInt8]) {
    output.append(contentsOf: ASCII.crlf)
    let wasBlank = atLineStart
    atLineStart = true
    switch phase {
    case .everything, .complete:
      break
    case .header(let bodyLines):
      // RFC 1939 §7: the blank line separating header and body is always sent.
      if wasBlank { phase = bodyLines == 0 ? .complete : .body(remaining: bodyLines) }
    case .body(let remaining):
      phase = remaining == 1 ? .complete : .body(remaining: remaining - 1)
    }
  }
}
