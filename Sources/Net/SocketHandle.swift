import Glibc
import Synchronization

/// Owns one socket descriptor and makes closing it safe while other tasks use it.
///
/// An operation "pins" the handle for the whole of its system calls and
/// reactor waits. `close()` marks the handle closed at once, wakes any waiter
/// (`shutdown(2)` plus `deregister`), and the descriptor itself is closed only
/// when the last pin is released, so a descriptor number can never be reused
/// under an operation that still holds it.
final class SocketHandle: Sendable {
  let fd: Int32
  let reactor: Reactor

  private struct State {
    var closing = false
    var pins = 0
    var released = false
  }

  private let state = Mutex(State())

  init(fd: Int32, reactor: Reactor) {
    self.fd = fd
    self.reactor = reactor
  }

  deinit {
    // No pins can exist once nothing references the handle.
    let release = state.withLock { s in
      defer { s.released = true }
      return !s.released
    }
    if release {
      reactor.deregister(fd)
      Syscall.close(fd)
    }
  }

  /// Whether `close()` has been called.
  var isClosed: Bool { state.withLock { $0.closing } }

  /// Runs `body` with the descriptor pinned open; throws `NetError.closed`
  /// if the handle is already closed.
  func withPinnedFD<T>(_ body: (Int32) async throws -> T) async throws -> T {
    try pin()
    defer { unpin() }
    return try await body(fd)
  }

  /// Pins synchronously (for non-suspending calls such as setsockopt).
  func withPinnedFDSync<T>(_ body: (Int32) throws -> T) throws -> T {
    try pin()
    defer { unpin() }
    return try body(fd)
  }

  private func pin() throws(NetError) {
    let ok = state.withLock { s in
      guard !s.closing else { return false }
      s.pins += 1
      return true
    }
    if !ok { throw NetError.closed }
  }

  private func unpin() {
    let release = state.withLock { s in
      s.pins -= 1
      guard s.closing, s.pins == 0, !s.released else { return false }
      s.released = true
      return true
    }
    if release { releaseFD() }
  }

  /// Closes the socket; idempotent. Pending waits fail with `NetError.closed`.
  func close() {
    enum Action { case none, release, interrupt }
    let action = state.withLock { s -> Action in
      guard !s.closing else { return .none }
      s.closing = true
      if s.pins == 0 {
        s.released = true
        return .release
      }
      return .interrupt
    }
    switch action {
    case .none: break
    case .release: releaseFD()
    case .interrupt:
      // Someone is inside an operation: make the socket report EOF/HUP so a
      // task about to wait wakes at once, and fail those already waiting.
      Syscall.shutdown(fd, Int32(SHUT_RDWR))
      reactor.deregister(fd)
    }
  }

  private func releaseFD() {
    reactor.deregister(fd)
    Syscall.close(fd)
  }
}
