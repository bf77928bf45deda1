import Glibc

/// Buffered reading over any `ByteStream`: bounded lines, exact-length
/// streaming and discarding, and the buffer controls STARTTLS and the PROXY
/// protocol need.
///
/// Not thread-safe: one task owns a reader at a time (the session task that
/// created it). It is a class so that a session can hand it to helpers and
/// swap the stream beneath it (`replace(stream:)`) without copying state.
///
/// Memory: the buffer is released whenever it is fully consumed, so an idle
/// connection waiting for its next line holds no buffer at all; it grows
/// only to the line limit in use (or one read chunk).
public final class BufferedReader {
  /// What `readLine` found.
  public enum Line: Sendable, Equatable {
    /// A line without its terminator. `bareLF` is true when it ended in LF
    /// alone rather than CRLF (SMTP must treat that specially).
    case line([UInt8], bareLF: Bool)
    /// The line exceeded the limit; it was read up to and including its LF
    /// and thrown away, so the next `readLine` starts on the next line.
    case tooLong
    /// The stream ended. An unterminated last line is dropped.
    case eof
  }

  /// The stream being read.
  public private(set) var stream: any ByteStream
  /// How many bytes one read from the stream asks for.
  public let chunkSize: Int

  private var buffer: [UInt8] = []
  private var start = 0

  /// A reader over `stream`, reading up to `chunkSize` bytes at a time.
  public init(_ stream: any ByteStream, chunkSize: Int = 16384) {
    precondition(chunkSize > 0)
    self.stream = stream
    self.chunkSize = chunkSize
  }

  /// Bytes received but not yet consumed. A server that pipelines replies
  /// flushes them when this is zero (RFC 2920 §3.2: no more input pending).
  public var bufferedCount: Int { buffer.count - start }

  /// Reads one line of at most `limit` bytes, terminator included (SMTP's
  /// 512-byte command line limit is `limit: 512`). Accepts CRLF and bare LF.
  /// `deadline` bounds the whole call on streams that honour deadlines
  /// (`TCPConnection` does, on top of its own `readTimeout`).
  nonisolated(nonsending) public func readLine(limit: Int, deadline: ContinuousClock.Instant? = nil)
    async throws -> Line
  {
    precondition(limit >= 1)
    var scanned = 0  // bytes after `start` known to hold no LF
    while true {
      if let lf = indexOfLF(from: start + scanned) {
        let length = lf - start + 1
        if length > limit {
          consume(to: lf + 1)
          return .tooLong
        }
        let crlf = lf > start && buffer[lf - 1] == 0x0D
        let line = Array(buffer[start..<(crlf ? lf - 1 : lf)])
        consume(to: lf + 1)
        return .line(line, bareLF: !crlf)
      }
      scanned = bufferedCount
      if scanned >= limit {
        // Longer than allowed: drop it and skip to its end without buffering.
        discardBuffered()
        return try await skipPastLF(deadline: deadline) ? .tooLong : .eof
      }
      guard try await fill(deadline: deadline) else {
        discardBuffered()
        return .eof
      }
    }
  }

  /// Streams exactly `count` bytes to `sink`, in chunks of at most
  /// `chunkSize`, never holding all of them (DATA/BDAT bodies, literals).
  /// - Throws: `NetError.unexpectedEOF` if the stream ends first; errors
  ///   from the stream and from `sink`.
  nonisolated(nonsending) public func readExactly(
    _ count: Int, deadline: ContinuousClock.Instant? = nil,
    into sink: (_ chunk: [UInt8]) async throws -> Void
  ) async throws {
    precondition(count >= 0)
    var remaining = count
    if remaining > 0 && bufferedCount > 0 {
      let n = min(remaining, bufferedCount)
      let piece = Array(buffer[start..<(start + n)])
      consume(to: start + n)
      remaining -= n
      try await sink(piece)
    }
    while remaining > 0 {
      let chunk = try await stream.read(max: min(remaining, chunkSize), deadline: deadline)
      if chunk.isEmpty {
        throw NetError.unexpectedEOF(expected: count, received: count - remaining)
      }
      remaining -= chunk.count
      try await sink(chunk)
    }
  }

  /// Reads exactly `count` bytes into one array; for small, bounded counts.
  nonisolated(nonsending) public func readExactly(
    _ count: Int, deadline: ContinuousClock.Instant? = nil
  ) async throws
    -> [UInt8]
  {
    var out: [UInt8] = []
    out.reserveCapacity(count)
    try await readExactly(count, deadline: deadline) { out.append(contentsOf: $0) }
    return out
  }

  /// Reads and throws away exactly `count` bytes (an oversized message's rest).
  /// - Throws: `NetError.unexpectedEOF` if the stream ends first.
  nonisolated(nonsending) public func discard(
    _ count: Int, deadline: ContinuousClock.Instant? = nil
  ) async throws {
    precondition(count >= 0)
    var remaining = count
    let n = min(remaining, bufferedCount)
    consume(to: start + n)
    remaining -= n
    while remaining > 0 {
      let chunk = try await stream.read(max: min(remaining, chunkSize), deadline: deadline)
      if chunk.isEmpty {
        throw NetError.unexpectedEOF(expected: count, received: count - remaining)
      }
      remaining -= chunk.count
    }
  }

  /// Drops everything buffered. STARTTLS calls this before the handshake so
  /// that commands pipelined in plaintext are never run under TLS
  /// (the CVE-2011-0411 class of injection).
  public func discardBuffered() {
    buffer = []
    start = 0
  }

  /// Returns and removes everything buffered.
  public func takeBuffered() -> [UInt8] {
    defer { discardBuffered() }
    return start == 0 ? buffer : Array(buffer[start...])
  }

  /// The buffered bytes, without consuming them.
  public func peekBuffered() -> ArraySlice<UInt8> {
    buffer[start...]
  }

  /// Consumes `count` buffered bytes (at most `bufferedCount`).
  public func consumeBuffered(_ count: Int) {
    precondition(count >= 0 && count <= bufferedCount)
    consume(to: start + count)
  }

  /// Puts `bytes` back in front of the buffered ones.
  public func unread(_ bytes: [UInt8]) {
    guard !bytes.isEmpty else { return }
    buffer = bytes + buffer[start...]
    start = 0
  }

  /// Reads one chunk from the stream into the buffer.
  /// - Returns: false at end of stream.
  nonisolated(nonsending) public func fill(deadline: ContinuousClock.Instant? = nil) async throws
    -> Bool
  {
    let chunk = try await stream.read(max: chunkSize, deadline: deadline)
    if chunk.isEmpty { return false }
    if start == buffer.count {
      buffer = chunk  // the common case: no copy
    } else {
      if start > 0 {
        buffer.removeSubrange(0..<start)
        start = 0
      }
      buffer.append(contentsOf: chunk)
    }
    return true
  }

  /// Puts `newStream` under this reader, dropping anything buffered from the
  /// old one (after STARTTLS, the TLS stream replaces the plain one; call
  /// `takeBuffered()` first if those bytes are still wanted).
  public func replace(stream newStream: any ByteStream) {
    discardBuffered()
    stream = newStream
  }

  // MARK: - Internals

  /// Allocated buffer capacity, for tests of the idle-memory promise.
  var bufferCapacity: Int { buffer.capacity }

  private func consume(to index: Int) {
    start = index
    if start == buffer.count { discardBuffered() }
  }

  private func indexOfLF(from index: Int) -> Int? {
    guard index < buffer.count else { return nil }
    return buffer.withUnsafeBytes { raw -> Int? in
      guard let base = raw.baseAddress,
        let hit = memchr(base + index, 0x0A, raw.count - index)
      else { return nil }
      return base.distance(to: UnsafeRawPointer(hit))
    }
  }

  /// Reads and drops bytes through the next LF, keeping only what follows it.
  nonisolated(nonsending) private func skipPastLF(deadline: ContinuousClock.Instant?) async throws
    -> Bool
  {
    while true {
      let chunk = try await stream.read(max: chunkSize, deadline: deadline)
      if chunk.isEmpty { return false }
      if let lf = chunk.firstIndex(of: 0x0A) {
        if lf + 1 < chunk.count { buffer = Array(chunk[(lf + 1)...]) }
        start = 0
        return true
      }
    }
  }
}
