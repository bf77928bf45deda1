import Foundation

/// Random-access bytes of one message, borrowed for the duration of a call.
///
/// The parser reads the message through this protocol so that a 50 MB message in a
/// memory-mapped spool file is never copied: it works on the borrowed pointer and records
/// `Range<Int>` offsets into it.
public protocol ByteSource {
  /// Number of bytes in the message.
  var count: Int { get }
  /// Calls `body` with all bytes of the source; the pointer is valid only inside `body`.
  func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension ByteSource {
  /// A copy of the bytes in `range`, clamped to the source.
  public func bytes(in range: Range<Int>) -> [UInt8] {
    withBytes { buf in
      let r = range.clamped(to: 0..<buf.count)
      return Array(buf[r])
    }
  }
}

extension Array: ByteSource where Element == UInt8 {
  public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try withUnsafeBytes(body)
  }
}

extension ArraySlice: ByteSource where Element == UInt8 {
  /// The slice's bytes rebased to start at offset 0.
  public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try withUnsafeBytes(body)
  }
}

extension Data: ByteSource {
  public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try withUnsafeBytes(body)
  }
}

extension UnsafeRawBufferPointer: ByteSource {
  public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try body(self)
  }
}
