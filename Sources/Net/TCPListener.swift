internal import CLinux
import Glibc
import Synchronization

/// A listening TCP socket (IPv4 or IPv6) whose `accept()` suspends on the reactor.
///
/// Sockets get SO_REUSEADDR (restarts do not wait out TIME_WAIT) and IPv6
/// ones IPV6_V6ONLY, so `0.0.0.0:X` and `[::]:X` can be bound side by side.
public final class TCPListener: Sendable {
  private let handle: SocketHandle
  /// The bound address; a requested port 0 is replaced by the real port.
  public let localAddress: SocketAddress

  /// Binds and listens on `address`.
  /// - Throws: `SystemError` from socket/setsockopt/bind/listen (EADDRINUSE,
  ///   EACCES for ports below 1024 without privilege, EADDRNOTAVAIL).
  ///   `connectionReactors`: the reactors accepted connections are spread over, in
  ///   turn (their tasks then run on those reactors' threads, see
  ///   `Reactor.taskExecutor`); empty means `reactor`.
  public init(
    bindingTo address: SocketAddress, reactor: Reactor, connectionReactors: [Reactor] = [],
    backlog: Int32 = 1024
  ) throws(SystemError) {
    let fd = try Syscall.socket(family: address.socketFamily)
    do {
      try Syscall.setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR")
      if address.family == .ipv6 {
        try Syscall.setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, 1, "IPV6_V6ONLY")
      }
      try Syscall.bind(fd, address)
      try Syscall.listen(fd, backlog: backlog)
    } catch {
      Syscall.close(fd)
      throw error
    }
    self.localAddress = Syscall.localAddress(fd) ?? address
    self.handle = SocketHandle(fd: fd, reactor: reactor)
    self.connectionReactors = connectionReactors.isEmpty ? [reactor] : connectionReactors
  }

  private let connectionReactors: [Reactor]
  private let accepted = Atomic<Int>(0)

  /// The reactor this listener waits on.
  public var reactor: Reactor { handle.reactor }

  /// Whether `close()` has been called.
  public var isClosed: Bool { handle.isClosed }

  /// Waits for and returns the next connection (non-blocking, close-on-exec,
  /// TCP_NODELAY).
  /// - Throws: `CancellationError` when the calling task is cancelled,
  ///   `NetError.closed` once `close()` is called, `NetError.outOfResources`
  ///   on EMFILE/ENFILE/ENOBUFS/ENOMEM (back off before calling again: the
  ///   pending connection stays queued, so retrying at once would spin),
  ///   `SystemError` otherwise.
  public func accept() async throws -> TCPConnection {
    try await handle.withPinnedFD { fd in
      while true {
        if handle.isClosed { throw NetError.closed }
        let result: IOResult<(Int32, SocketAddress?)>
        do throws(SystemError) {
          result = try Syscall.accept(fd)
        } catch {
          switch error.errno {
          case EMFILE, ENFILE, ENOBUFS, ENOMEM:
            throw NetError.outOfResources(error)
          // The connection died in the queue, or a network error was passed on
          // to accept (accept(2), "Error handling"): try the next one.
          case ECONNABORTED, EPROTO, EPERM, ENETDOWN, ENOPROTOOPT, EHOSTDOWN, ENONET,
            EHOSTUNREACH, EOPNOTSUPP, ENETUNREACH:
            continue
          default:
            throw error
          }
        }
        switch result {
        case .wouldBlock:
          try await handle.reactor.waitReadable(fd, deadline: nil)
        case .done(let (newFD, peer)):
          let turn = accepted.wrappingAdd(1, ordering: .relaxed).oldValue
          let h = SocketHandle(
            fd: newFD,
            reactor: connectionReactors[
              Int(UInt(bitPattern: turn) % UInt(connectionReactors.count))])
          guard let peer = peer ?? Syscall.peerAddress(newFD) else {
            h.close()
            continue
          }
          let local = Syscall.localAddress(newFD) ?? localAddress
          return TCPConnection(handle: h, peer: peer, local: local)
        }
      }
    }
  }

  /// Stops listening; a pending `accept()` throws `NetError.closed`. Idempotent.
  public func close() {
    handle.close()
  }
}
