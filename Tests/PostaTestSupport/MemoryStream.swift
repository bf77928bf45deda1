import Net
import Synchronization

/// Why a memory stream operation failed.
public enum MemoryStreamError: Error {
  case closed
}

/// One direction of an in-memory connection: a byte queue, unbounded or holding at most
/// `capacity` bytes. A reader waits for data or end of stream; with a capacity, a writer
/// waits while the queue is full, like a socket with a full send buffer, so tests exercise
/// backpressure instead of buffering without limit. Either wait ends when its task is
/// cancelled (as a socket's does, so graceful shutdown can be tested without sockets).
public final class MemoryPipe: Sendable {
  private typealias Waiter = CheckedContinuation<Void, Never>

  private struct State {
    var buffer: [UInt8] = []
    var closed = false
    var reader: Waiter?
    var writer: Waiter?
  }

  /// Who waits: at most one reader and one writer at a time, as on one socket direction.
  private enum Side {
    case reader
    case writer
  }

  /// The most bytes queued at once; nil for no limit (a writer never waits).
  public let capacity: Int?
  private let state = Mutex(State())

  public init(capacity: Int? = nil) {
    precondition(capacity.map { $0 > 0 } ?? true, "a pipe needs room for one byte")
    self.capacity = capacity
  }

  /// Bytes written that are not read yet (for memory assertions).
  public var queued: Int { state.withLock { $0.buffer.count } }

  /// Up to `max` bytes, waiting for some; empty at end of stream.
  /// - Throws: `CancellationError` when the calling task is cancelled.
  public func read(max: Int) async throws -> [UInt8] {
    while true {
      try Task.checkCancellation()
      let ready = state.withLock { s -> (bytes: [UInt8], writer: Waiter?)? in
        if !s.buffer.isEmpty {
          let n = min(max, s.buffer.count)
          let out = Array(s.buffer.prefix(n))
          s.buffer.removeFirst(n)
          defer { s.writer = nil }
          return (out, s.writer)
        }
        return s.closed ? ([], nil) : nil
      }
      if let ready {
        ready.writer?.resume()
        return ready.bytes
      }
      await park(.reader)
    }
  }

  /// Queues all of `bytes`, waiting for room when the pipe has a capacity.
  /// - Throws: `MemoryStreamError.closed` once the pipe is closed; `CancellationError` when
  ///   the task is cancelled while it waits for room.
  public func write(_ bytes: [UInt8]) async throws {
    var offset = 0
    repeat {
      let (count, reader) = try state.withLock {
        s throws(MemoryStreamError) -> (Int, Waiter?) in
        if s.closed { throw .closed }
        let room = capacity.map { $0 - s.buffer.count } ?? Int.max
        let n = Swift.max(0, min(room, bytes.count - offset))
        s.buffer += bytes[offset..<offset + n]
        defer { s.reader = nil }
        return (n, s.reader)
      }
      reader?.resume()
      offset += count
      if count == 0 && offset < bytes.count {
        await park(.writer)
        try Task.checkCancellation()
      }
    } while offset < bytes.count
  }

  /// Ends the pipe: queued bytes can still be read, then reads return end of stream;
  /// writes fail.
  public func close() {
    let (reader, writer) = state.withLock { s in
      s.closed = true
      defer {
        s.reader = nil
        s.writer = nil
      }
      return (s.reader, s.writer)
    }
    reader?.resume()
    writer?.resume()
  }

  /// Suspends until the other side may have made progress for `side` (data for a reader,
  /// room for a writer), the pipe closes, or the task is cancelled; the caller checks again.
  private func park(_ side: Side) async {
    await withTaskCancellationHandler {
      await withCheckedContinuation { (c: Waiter) in
        let wake = state.withLock { s -> Bool in
          if s.closed || Task.isCancelled { return true }
          switch side {
          case .reader:
            if !s.buffer.isEmpty { return true }
            s.reader = c
          case .writer:
            if s.buffer.count < capacity ?? Int.max { return true }
            s.writer = c
          }
          return false
        }
        if wake { c.resume() }
      }
    } onCancel: {
      wake(side)
    }
  }

  private func wake(_ side: Side) {
    let waiter = state.withLock { s -> Waiter? in
      switch side {
      case .reader:
        defer { s.reader = nil }
        return s.reader
      case .writer:
        defer { s.writer = nil }
        return s.writer
      }
    }
    waiter?.resume()
  }
}

/// One end of an in-memory duplex connection.
public final class MemoryStream: ByteStream {
  public let incoming: MemoryPipe
  public let outgoing: MemoryPipe
  /// Calls to `write`: how many times the server flushed its replies.
  public let writes = Atomic(0)
  /// The largest single write: what the writer had in memory at once.
  public let largestWrite = Atomic(0)
  private let closed = Atomic(false)

  public init(incoming: MemoryPipe, outgoing: MemoryPipe) {
    self.incoming = incoming
    self.outgoing = outgoing
  }

  /// Two connected ends: (client, server). Each direction queues at most `capacity` bytes
  /// (a writer waits for the peer to read), or without limit when it is nil.
  public static func pair(capacity: Int? = nil) -> (client: MemoryStream, server: MemoryStream) {
    let toServer = MemoryPipe(capacity: capacity)
    let toClient = MemoryPipe(capacity: capacity)
    return (
      MemoryStream(incoming: toClient, outgoing: toServer),
      MemoryStream(incoming: toServer, outgoing: toClient)
    )
  }

  public var isClosed: Bool { closed.load(ordering: .acquiring) }

  public func read(max: Int) async throws -> [UInt8] {
    try await incoming.read(max: max)
  }

  public func write(_ bytes: [UInt8]) async throws {
    writes.add(1, ordering: .relaxed)
    largestWrite.max(bytes.count, ordering: .relaxed)
    try await outgoing.write(bytes)
  }

  /// Like closing a socket: the peer reads end of stream after what was sent, and our own
  /// reads and writes end too.
  public func close() async {
    closed.store(true, ordering: .releasing)
    outgoing.close()
    incoming.close()
  }
}
