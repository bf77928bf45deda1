/// The DATA state machine: feed it the bytes that follow the `354` in chunks of any size; it
/// appends the dot-unstuffed message to your buffer and stops right after `<CRLF>.<CRLF>`
/// (RFC 5321 §4.1.1.4, §4.5.2).
///
/// Only CRLF ends a line. A bare LF or CR never ends the data — `<LF>.<LF>`, `<LF>.<CR><LF>`,
/// `<CR><LF>.<LF>`, `<CR>.<CR>` are message content (SMTP smuggling, 2023) — and `facts`
/// records that they occurred so the server refuses the message *after* the real end. The
/// first line counts as following a CRLF, so `.<CRLF>` at once is an empty message. A line
/// starting with `.` loses that dot; the CRLF before the final `.` belongs to the message.
///
/// Nothing is buffered beyond one deferred CR. Output stops at `storageLimit` octets while
/// reading goes on (so the server can answer 552 after the end); `facts.size` keeps counting.
/// Each call returns how many input bytes it took: after the end, the rest of the input is
/// pipelined commands for the command parser.
public struct DataDecoder: Sendable {
  private enum State: UInt8, Sendable {
    /// After CRLF (or at the start).
    case lineStart
    /// A `.` at line start, withheld.
    case dot
    /// `.` CR at line start: the CR is withheld until we know whether LF follows.
    case dotCR
    /// Inside a line.
    case middle
    /// After a CR inside a line (or at line start), already passed on.
    case cr
  }

  /// The most octets appended to output.
  public let storageLimit: Int
  /// What the message looked like so far (final once `isComplete`).
  public private(set) var facts = MessageFacts()
  /// Octets appended to output so far (at most `storageLimit`).
  public private(set) var storedCount = 0
  /// True once `<CRLF>.<CRLF>` was read.
  public private(set) var isComplete = false
  private var state = State.lineStart

  public init(storageLimit: Int = .max) {
    precondition(storageLimit >= 0)
    self.storageLimit = storageLimit
  }

  /// True when the message is larger than `storageLimit` (output was cut; refuse it).
  public var exceedsStorageLimit: Bool { facts.size > storageLimit }

  /// Decodes from `input`, appending message bytes to `output`.
  /// - Returns: input bytes consumed (all of them unless the end was found) and whether the
  ///   end was found. Once complete, further calls consume nothing.
  public mutating func decode(
    _ input: UnsafeRawBufferPointer, into output: inout [UInt8]
  ) -> DecodeProgress {
    guard !isComplete else { return DecodeProgress(consumed: 0, isComplete: true) }
    let n = input.count
    var i = 0
    var spanStart = 0
    while i < n {
      switch state {
      case .middle:
        // Fast path: only a CR can change anything.
        while i < n && input[i] != ASCII.cr { i += 1 }
        if i < n {
          state = .cr
          i += 1
        }
      case .cr:
        let b = input[i]
        if b == ASCII.lf {
          state = .lineStart
        } else if b != ASCII.cr {
          state = .middle
        }
        i += 1
      case .lineStart:
        let b = input[i]
        if b == ASCII.dot {
          emit(UnsafeRawBufferPointer(rebasing: input[spanStart..<i]), into: &output)
          spanStart = i + 1
          state = .dot
        } else {
          state = b == ASCII.cr ? .cr : .middle
        }
        i += 1
      case .dot:
        // The dot is gone either way: stuffing, or part of the terminator.
        if input[i] == ASCII.cr {
          emit(UnsafeRawBufferPointer(rebasing: input[spanStart..<i]), into: &output)
          spanStart = i + 1
          state = .dotCR
        } else {
          state = .middle
        }
        i += 1
      case .dotCR:
        if input[i] == ASCII.lf {
          emit(UnsafeRawBufferPointer(rebasing: input[spanStart..<i]), into: &output)
          isComplete = true
          facts.finish()
          return DecodeProgress(consumed: i + 1, isComplete: true)
        }
        // Not the end: the withheld CR is content; look at this byte again after it.
        emitCR(into: &output)
        state = .cr
      }
    }
    emit(UnsafeRawBufferPointer(rebasing: input[spanStart..<n]), into: &output)
    return DecodeProgress(consumed: n, isComplete: false)
  }

  /// Decodes from an array (see `decode(_:into:)`).
  public mutating func decode(_ input: [UInt8], into output: inout [UInt8]) -> DecodeProgress {
    input.withUnsafeBytes { decode($0, into: &output) }
  }

  /// Decodes from a slice (see `decode(_:into:)`).
  public mutating func decode(
    _ input: ArraySlice<UInt8>, into output: inout [UInt8]
  ) -> DecodeProgress {
    input.withUnsafeBytes { decode($0, into: &output) }
  }

  private mutating func emit(_ span: UnsafeRawBufferPointer, into output: inout [UInt8]) {
    guard !span.isEmpty else { return }
    facts.scan(span)
    let room = storageLimit - storedCount
    guard room > 0 else { return }
    let take = min(room, span.count)
    output.appendBytes(UnsafeRawBufferPointer(rebasing: span[0..<take]))
    storedCount += take
  }

  private mutating func emitCR(into output: inout [UInt8]) {
    withUnsafeBytes(of: ASCII.cr) { emit($0, into: &output) }
  }
}

/// How far a decoder got with one input chunk.
public struct DecodeProgress: Sendable, Hashable {
  /// Input bytes used; the caller keeps the rest.
  public var consumed: Int
  /// The message (or chunk, for BDAT) ended within those bytes.
  public var isComplete: Bool

  public init(consumed: Int, isComplete: Bool) {
    self.consumed = consumed
    self.isComplete = isComplete
  }
}
