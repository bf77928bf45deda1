/// Polls `condition` until it holds (at most ~10 s): for waiting on another task to get
/// somewhere, never for timing assertions.
public func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
  for i in 0..<2100 {
    if try await condition() { return true }
    if i < 100 {
      await Task.yield()
    } else {
      try await Task.sleep(for: .milliseconds(5))
    }
  }
  return try await condition()
}
