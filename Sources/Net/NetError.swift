// The Net module owns Posta's sockets: non-blocking TCP on epoll exposed as
// async/await (`Reactor`, `TCPListener`, `TCPConnection`), the `ByteStream`
// contract that TLS and the protocol servers build on, `BufferedReader` (bounded
// lines, exact-length streaming), the PROXY protocol, connection limits and the
// accept loop (`TCPServer`).
//
// Invariants:
// - Every socket is non-blocking and close-on-exec from birth.
// - A file descriptor is deregistered from the reactor before it is closed, and
//   never closed while a syscall or a wait on it is in flight (`SocketHandle`).
// - No thread per connection: one reactor thread waits in `epoll_wait`; timeouts
//   are deadlines kept by the reactor, not tasks or timers per connection.
// - All system calls go through `Syscall` (Syscall.swift).

/// Errors of the socket layer that are not a failed system call.
public enum NetError: Error, Sendable, Equatable, CustomStringConvertible {
  /// A read, write, accept or connect did not complete before its deadline.
  case timedOut
  /// The socket was closed (locally) while or before the operation ran.
  case closed
  /// The reactor was shut down; no socket can wait for readiness any more.
  case reactorShutDown
  /// Two tasks tried to wait for the same direction on one socket at once;
  /// a socket has one reader and one writer at a time.
  case concurrentWait(fd: Int32, write: Bool)
  /// The process or system ran out of file descriptors or memory while
  /// accepting (EMFILE, ENFILE, ENOBUFS, ENOMEM). An accept loop should log
  /// and back off rather than retry at once.
  case outOfResources(SystemError)
  /// The stream ended before the number of bytes the caller asked for.
  case unexpectedEOF(expected: Int, received: Int)
  /// An address (`host:port` text or IP literal) could not be parsed.
  case invalidAddress(String, reason: String)

  public var description: String {
    switch self {
    case .timedOut: "operation timed out"
    case .closed: "socket is closed"
    case .reactorShutDown: "the I/O reactor has been shut down"
    case .concurrentWait(let fd, let write):
      "two tasks waited to \(write ? "write" : "read") on socket \(fd) at once"
    case .outOfResources(let e): "out of resources: \(e)"
    case .unexpectedEOF(let expected, let received):
      "connection closed after \(received) of \(expected) bytes"
    case .invalidAddress(let text, let reason): "invalid address \"\(text)\": \(reason)"
    }
  }
}
