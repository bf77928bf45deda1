import Net
import Synchronization

/// Why a memory stream operation failed.
enum MemoryStreamError: Error {
  case closed
}

/// One direction of an in-memory connection: a bounded byte queue. A writer waits
/// while it is full, like a socket with a full send buffer, so tests exercise
/// backpressure instead of buffering without limit.
final class MemoryPipe: Sendable {
  private struct State {
    var buffer: [UInt8] = []
    var closed = false
    var reader: CheckedContinuation<Void, Never>?
    var writer: CheckedContinuation<Void, Never>?
  }

  let capacity: Int
  private let state = Mutex(State())

  init(capacity: Int) { self.capacity = capacity }

  /// Bytes written in total that are still queued (for memory assertions).
  var queued: Int { state.withLock { $0.buffer.count } }

  func read(max: Int) async -> [UInt8] {
    while true {
      enum Step {
        case data([UInt8], CheckedContinuation<Void, Never>?)
        case eof
        case wait
      }
      let step = state.withLock { s -> Step in
        if !s.buffer.isEmpty {
          let n = min(max, s.buffer.count)
          let out = Array(s.buffer.prefix(n))
          s.buffer.removeFirst(n)
          let w = s.writer
          s.writer = nil
          return .data(out, w)
        }
        return s.closed ? .eof : .wait
      }
      switch step {
      case .data(let bytes, let writer):
        writer?.resume()
        return bytes
      case .eof:
        return []
      case .wait:
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
          let ready = state.withLock { s -> Bool in
            if !s.buffer.isEmpty || s.closed { return true }
            s.reader = c
            return false
          }
          if ready { c.resume() }
        }
      }
    }
  }

  func write(_ bytes: [UInt8]) async throws {
    var offset = 0
    while offset < bytes.count {
      enum Step {
        case wrote(Int, CheckedContinuation<Void, Never>?)
        case closed
        case wait
      }
      let step = state.withLock { s -> Step in
        if s.closed { return .closed }
        let room = capacity - s.buffer.count
        if room <= 0 { return .wait }
        let n = min(room, bytes.count - offset)
        s.buffer += bytes[offset..<offset + n]
        let r = s.reader
        s.reader = nil
        return .wrote(n, r)
      }
      switch step {
      case .wrote(let n, let reader):
        offset += n
        reader?.resume()
      case .closed:
        throw MemoryStreamError.closed
      case .wait:
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
          let ready = state.withLock { s -> Bool in
            if s.buffer.count < capacity || s.closed { return true }
            s.writer = c
            return false
          }
          if ready { c.resume() }
        }
      }
    }
  }

  /// Ends the pipe: queued bytes can still be read, then reads return EOF; writes fail.
  func close() {
    let (r, w) = state.withLock { s in
      s.closed = true
      defer {
        s.reader = nil
        s.writer = nil
      }
      return (s.reader, s.writer)
    }
    r?.resume()
    w?.resume()
  }
}

/// One end of an in-memory duplex connection.
final class MemoryStream: ByteStream {
  let incoming: MemoryPipe
  let outgoing: MemoryPipe
  /// The largest single write through this end: what the writer held in memory at once.
  let largestWrite = Atomic<Int>(0)

  init(incoming: MemoryPipe, outgoing: MemoryPipe) {
    self.incoming = incoming
    self.outgoing = outgoing
  }

  /// Two connected ends; each direction buffers at most `capacity` bytes.
  static func pair(capacity: Int = 64 * 1024) -> (MemoryStream, MemoryStream) {
    let ab = MemoryPipe(capacity: capacity)
    let ba = MemoryPipe(capacity: capacity)
    return (MemoryStream(incoming: ba, outgoing: ab), MemoryStream(incoming: ab, outgoing: ba))
  }

  func read(max: Int) async throws -> [UInt8] {
    try Task.checkCancellation()
    return await incoming.read(max: max)
  }

  func write(_ bytes: [UInt8]) async throws {
    largestWrite.max(bytes.count, ordering: .relaxed)
    try await outgoing.write(bytes)
  }

  /// Like closing a socket: the peer reads EOF after what was sent; our reads end too.
  func close() async {
    outgoing.close()
    incoming.close()
  }
}
