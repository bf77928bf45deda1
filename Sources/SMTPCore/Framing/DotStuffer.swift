/// The client side of DATA: encodes a message for transmission (RFC 5321 §4.5.2), streaming.
///
/// Lines starting with `.` get a second dot; bare LF and bare CR become CRLF, so whatever the
/// stored message holds, the receiver sees only CRLF line ends and no smuggling sequence
/// survives relaying; `finish` adds CRLF if the message did not end with one, then `.CRLF`.
/// Holds at most one pending CR between calls.
public struct DotStuffer: Sendable {
  private var atLineStart = true
  private var pendingCR = false
  private var finished = false

  public init() {}

  /// Appends the encoding of `input` to `output`.
  public mutating func encode(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) {
    precondition(!finished, "DotStuffer.encode after finish")
    output.reserveCapacity(output.count + input.count + input.count / 64 + 8)
    let n = input.count
    var i = 0
    while i < n {
      if pendingCR {
        // CRLF, or a bare CR made into one.
        pendingCR = false
        output.append(ASCII.cr)
        output.append(ASCII.lf)
        atLineStart = true
        if input[i] == ASCII.lf {
          i += 1
          continue
        }
      }
      if atLineStart && input[i] == ASCII.dot { output.append(ASCII.dot) }
      // Copy the run up to the next CR or LF in one go.
      let start = i
      while i < n {
        let b = input[i]
        if b <= ASCII.cr && (b == ASCII.cr || b == ASCII.lf) { break }
        i += 1
      }
      if i > start {
        output.appendBytes(UnsafeRawBufferPointer(rebasing: input[start..<i]))
        atLineStart = false
      }
      guard i < n else { break }
      if input[i] == ASCII.cr {
        pendingCR = true
      } else {
        output.append(ASCII.cr)
        output.append(ASCII.lf)
        atLineStart = true
      }
      i += 1
    }
  }

  /// Encodes an array (see `encode(_:into:)`).
  public mutating func encode(_ input: [UInt8], into output: inout [UInt8]) {
    input.withUnsafeBytes { encode($0, into: &output) }
  }

  /// Encodes a slice (see `encode(_:into:)`).
  public mutating func encode(_ input: ArraySlice<UInt8>, into output: inout [UInt8]) {
    input.withUnsafeBytes { encode($0, into: &output) }
  }

  /// Ends the message: the last line's CRLF if missing, then `.` CRLF.
  public mutating func finish(into output: inout [UInt8]) {
    precondition(!finished, "DotStuffer.finish twice")
    finished = true
    if pendingCR || !atLineStart {
      output.append(ASCII.cr)
      output.append(ASCII.lf)
    }
    output.append(contentsOf: [ASCII.dot, ASCII.cr, ASCII.lf])
  }

  /// The whole encoding of `message`, terminator included.
  public static func encode(_ message: [UInt8]) -> [UInt8] {
    var stuffer = DotStuffer()
    var out: [UInt8] = []
    stuffer.encode(message, into: &out)
    stuffer.finish(into: &out)
    return out
  }
}
