/// A bidirectional byte stream: a TCP connection, a TLS session over one, or an
/// in-memory pair in tests. Protocol servers only ever see this protocol, so
/// STARTTLS can swap a plain stream for a TLS one in place.
public protocol ByteStream: AnyObject, Sendable {
  /// Reads at most `max` bytes; returns an empty array at end of stream.
  /// Throws on I/O errors and on cancellation.
  func read(max: Int) async throws -> [UInt8]
  /// Like `read(max:)`, but throws `NetError.timedOut` if no byte arrives by
  /// `deadline`. Streams without their own clock may ignore the deadline (the
  /// default implementation does); `TCPConnection` honours it in the reactor,
  /// and a TLS stream should pass it down to the stream beneath.
  func read(max: Int, deadline: ContinuousClock.Instant?) async throws -> [UInt8]
  /// Writes all of `bytes` (waiting as needed).
  func write(_ bytes: [UInt8]) async throws
  /// Closes the stream; further reads return end of stream. Idempotent.
  func close() async
}

extension ByteStream {
  /// Ignores the deadline; see the requirement.
  public func read(max: Int, deadline: ContinuousClock.Instant?) async throws -> [UInt8] {
    try await read(max: max)
  }
}
