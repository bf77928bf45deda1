/// Splits a byte stream into command lines with a length limit, without I/O (the server's
/// `BufferedReader.readLine` does the same over a socket; this one serves the fuzzers and
/// tests, and callers that already hold the bytes).
///
/// A line longer than its limit (CRLF included) is dropped up to its LF and reported as
/// `.tooLong` once (the server answers `Reply.lineTooLong`). At most `limit - 1` bytes of an
/// unfinished line are held. A bare LF ends a command line too (RFC 5321 asks for CRLF, but
/// only DATA framing is a security matter), reported by `bareLF`.
public struct CommandLineFramer: Sendable {
  /// One framed line.
  public enum Frame: Sendable, Hashable {
    /// A line without its terminator.
    case line([UInt8], bareLF: Bool)
    /// A line over the limit, discarded.
    case tooLong
  }

  private var partial: [UInt8] = []
  private var skipping = false

  public init() {}

  /// Bytes of an unfinished line held from earlier calls.
  public var bufferedCount: Int { partial.count }

  /// Looks for the end of one line in `input`, after any unfinished line held from earlier.
  /// - Parameter limit: the longest line accepted, terminator included (use
  ///   `SMTPLimits.commandReadLimit` for commands, `saslLineLength` during AUTH).
  /// - Returns: input bytes consumed (up to and including the LF when a line ended, else all
  ///   of them) and the line, if one ended.
  public mutating func frame(
    _ input: UnsafeRawBufferPointer, limit: Int
  ) -> (consumed: Int, frame: Frame?) {
    precondition(limit >= 2)
    guard let lf = input.firstIndex(of: ASCII.lf) else {
      if !skipping {
        if partial.count + input.count >= limit {
          partial = []
          skipping = true
        } else {
          partial.appendBytes(input)
        }
      }
      return (input.count, nil)
    }
    if skipping || partial.count + lf + 1 > limit {
      skipping = false
      partial = []
      return (lf + 1, .tooLong)
    }
    var line = partial
    partial = []
    line.appendBytes(UnsafeRawBufferPointer(rebasing: input[0..<lf]))
    let crlf = line.last == ASCII.cr
    if crlf { line.removeLast() }
    return (lf + 1, .line(line, bareLF: !crlf))
  }

  /// Frames from an array (see `frame(_:limit:)`).
  public mutating func frame(_ input: [UInt8], limit: Int) -> (consumed: Int, frame: Frame?) {
    input.withUnsafeBytes { frame($0, limit: limit) }
  }

  /// Frames from a slice (see `frame(_:limit:)`).
  public mutating func frame(
    _ input: ArraySlice<UInt8>, limit: Int
  ) -> (consumed: Int, frame: Frame?) {
    input.withUnsafeBytes { frame($0, limit: limit) }
  }
}
