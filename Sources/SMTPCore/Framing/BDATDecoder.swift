/// Chunk accounting for BDAT (RFC 3030 §2): each `BDAT n [LAST]` is followed by exactly `n`
/// octets of message, taken verbatim (no dot-stuffing, no terminator).
///
/// After the server accepts a BDAT command it calls `beginChunk`, then `decode` with input
/// until `isChunkComplete`; the message is whole after the LAST chunk (which may be empty).
/// A refused chunk is still read off the stream with `beginDiscard` so the session stays in
/// step (RFC 3030 §2). Output stops at `storageLimit`; `facts.size` keeps counting.
public struct BDATDecoder: Sendable {
  /// What a `decode` call did.
  public struct Progress: Sendable, Hashable {
    /// Input bytes used: at most what the chunk still needed.
    public var consumed: Int
    /// The current chunk has all its octets.
    public var isChunkComplete: Bool
    /// The LAST chunk is complete: the message is whole.
    public var isMessageComplete: Bool

    public init(consumed: Int, isChunkComplete: Bool, isMessageComplete: Bool) {
      self.consumed = consumed
      self.isChunkComplete = isChunkComplete
      self.isMessageComplete = isMessageComplete
    }
  }

  /// The most octets appended to output.
  public let storageLimit: Int
  /// What the message looked like so far (final once `isMessageComplete`).
  public private(set) var facts = MessageFacts()
  /// Octets appended to output so far.
  public private(set) var storedCount = 0
  /// Octets the current chunk still needs.
  public private(set) var remaining = 0
  /// The LAST chunk was read.
  public private(set) var isMessageComplete = false
  /// Chunks accepted so far (discarded ones not counted).
  public private(set) var chunkCount = 0
  private var isLast = false
  private var discarding = false

  public init(storageLimit: Int = .max) {
    precondition(storageLimit >= 0)
    self.storageLimit = storageLimit
  }

  /// True when the current chunk has all its octets (or none was begun).
  public var isChunkComplete: Bool { remaining == 0 }
  /// True when the message is larger than `storageLimit`.
  public var exceedsStorageLimit: Bool { facts.size > storageLimit }

  /// Starts an accepted chunk of `size` octets. A LAST chunk of 0 octets completes the
  /// message at once.
  /// - Precondition: the previous chunk is complete and the message is not.
  public mutating func beginChunk(size: Int, last: Bool) {
    precondition(size >= 0 && remaining == 0 && !isMessageComplete)
    remaining = size
    isLast = last
    discarding = false
    chunkCount += 1
    if size == 0 { completeChunk() }
  }

  /// Starts a refused chunk: its `size` octets are consumed and dropped, and do not count.
  public mutating func beginDiscard(size: Int) {
    precondition(size >= 0 && remaining == 0)
    remaining = size
    isLast = false
    discarding = true
  }

  /// Takes up to `remaining` octets from `input`, appending accepted ones to `output`.
  public mutating func decode(
    _ input: UnsafeRawBufferPointer, into output: inout [UInt8]
  ) -> Progress {
    let take = min(remaining, input.count)
    let span = UnsafeRawBufferPointer(rebasing: input[0..<take])
    remaining -= take
    if !discarding && take > 0 {
      facts.scan(span)
      let room = max(0, storageLimit - storedCount)
      let stored = min(room, take)
      output.appendBytes(UnsafeRawBufferPointer(rebasing: span[0..<stored]))
      storedCount += stored
    }
    if take > 0 && remaining == 0 { completeChunk() }
    return Progress(
      consumed: take, isChunkComplete: remaining == 0, isMessageComplete: isMessageComplete)
  }

  /// Takes octets from an array (see `decode(_:into:)`).
  public mutating func decode(_ input: [UInt8], into output: inout [UInt8]) -> Progress {
    input.withUnsafeBytes { decode($0, into: &output) }
  }

  /// Takes octets from a slice (see `decode(_:into:)`).
  public mutating func decode(_ input: ArraySlice<UInt8>, into output: inout [UInt8]) -> Progress {
    input.withUnsafeBytes { decode($0, into: &output) }
  }

  private mutating func completeChunk() {
    if isLast && !discarding {
      isMessageComplete = true
      facts.finish()
    }
  }
}
