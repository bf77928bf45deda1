import Net
import Synchronization

/// Why a memory stream operation failed.
public enum MemoryStreamError: Error {
  case closed
}

/// One direction of an in-memory connection: an unbounded byte queue whose reader waits
/// for data, end of stream, or the cancellation of its task (as a socket read does, so
/// graceful shutdown can be tested without sockets).
public final class MemoryPipe: Sendable {
  private struct State {
    var buffer: [UInt8] = []
    var closed = false
    var reader: CheckedContinuation<Void, Never>?
  }

  private let state = Mutex(State())

  public func read(max: Int) async throws -> [UInt8] {
    while true {
      try Task.checkCancellation()
      let ready = state.withLock { s -> [UInt8]? in
        if !s.buffer.isEmpty {
          let n = min(max, s.buffer.count)
          let out = Array(s.buffer.prefix(n))
          s.buffer.removeFirst(n)
          return out
        }
        return s.closed ? [] : nil
      }
      if let ready { return ready }
      await withTaskCancellationHandler {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
          let wake = state.withLock { s -> Bool in
            if !s.buffer.isEmpty || s.closed || Task.isCancelled { return true }
            s.reader = c
            return false
          }
          if wake { c.resume() }
        }
      } onCancel: {
        wakeReader()
      }
    }
  }

  public func write(_ bytes: [UInt8]) throws {
    let reader = try state.withLock {
      s throws(MemoryStreamError) -> CheckedContinuation<Void, Never>? in
      if s.closed { throw .closed }
      s.buffer += bytes
      defer { s.reader = nil }
      return s.reader
    }
    reader?.resume()
  }

  /// Ends the pipe: queued bytes can still be read, then reads return end of stream.
  public func close() {
    state.withLock { $0.closed = true }
    wakeReader()
  }

  private func wakeReader() {
    let reader = state.withLock { s in
      defer { s.reader = nil }
      return s.reader
    }
    reader?.resume()
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

  /// Two connected ends: (client, server).
  public static func pair() -> (client: MemoryStream, server: MemoryStream) {
    let toServer = MemoryPipe()
    let toClient = MemoryPipe()
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
    try outgoing.write(bytes)
  }

  /// Like closing a socket: the peer reads end of stream after what was sent.
  public func close() async {
    closed.store(true, ordering: .releasing)
    outgoing.close()
    incoming.close()
  }
}
