import Dispatch

/// Runs slow synchronous work (key generation, file I/O at start and reload)
/// on a Dispatch queue instead of the cooperative pool, whose two threads must
/// stay free for sessions.
func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
  try await withCheckedThrowingContinuation { c in
    DispatchQueue.global().async {
      c.resume(with: Result { try body() })
    }
  }
}
