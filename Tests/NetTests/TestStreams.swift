import Net
import Synchronization

/// An in-memory `ByteStream` that returns scripted chunks (split to the
/// reader's `max`) and records what is written to it.
final class ScriptedStream: ByteStream {
  private struct State {
    var chunks: [[UInt8]]
    var written: [UInt8] = []
    var closed = false
    var largestRead = 0
  }

  private let state: Mutex<State>

  init(_ chunks: [[UInt8]]) {
    state = Mutex(State(chunks: chunks.filter { !$0.isEmpty }))
  }

  convenience init(_ text: String) {
    self.init([Array(text.utf8)])
  }

  func read(max: Int) async throws -> [UInt8] {
    state.withLock { s in
      guard !s.closed, !s.chunks.isEmpty else { return [] }
      var chunk = s.chunks.removeFirst()
      if chunk.count > max {
        s.chunks.insert(Array(chunk[max...]), at: 0)
        chunk = Array(chunk[..<max])
      }
      s.largestRead = Swift.max(s.largestRead, chunk.count)
      return chunk
    }
  }

  func write(_ bytes: [UInt8]) async throws {
    state.withLock { $0.written += bytes }
  }

  func close() async {
    state.withLock { $0.closed = true }
  }

  var written: [UInt8] { state.withLock { $0.written } }
  var largestRead: Int { state.withLock { $0.largestRead } }
  var remaining: Int { state.withLock { $0.chunks.reduce(0) { $0 + $1.count } } }
}

/// The drip-feed check: the same input delivered whole, in two pieces at
/// every split point, and byte by byte.
enum Drip {
  static func variants(_ input: [UInt8]) -> [(name: String, chunks: [[UInt8]])] {
    var out: [(String, [[UInt8]])] = [("whole", [input])]
    if input.count > 1 {
      for split in 1..<input.count {
        out.append(("split at \(split)", [Array(input[..<split]), Array(input[split...])]))
      }
      out.append(("byte by byte", input.map { [$0] }))
    }
    return out
  }

  /// Runs `check` on a fresh reader for every variant and every chunk size.
  static func check(
    _ input: [UInt8], chunkSizes: [Int] = [1, 3, 16384],
    _ check: (BufferedReader, String) async throws -> Void
  ) async throws {
    for (name, chunks) in variants(input) {
      for size in chunkSizes {
        let reader = BufferedReader(ScriptedStream(chunks), chunkSize: size)
        try await check(reader, "\(name), chunk size \(size)")
      }
    }
  }
}

extension String {
  var bytes: [UInt8] { Array(utf8) }
}
