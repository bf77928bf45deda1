// Every system call the Net module makes, in one shape: call, read errno at once
// (later ARC traffic or logging could clobber it), retry EINTR, turn
// EAGAIN/EWOULDBLOCK into `.wouldBlock`, throw `SystemError` for the rest.
// Linux-only calls live in the `Epoll`, `EventFD` namespaces.
internal import CLinux
import Glibc

/// A failed system call: its name, `errno`, and the C library's text for it.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The call that failed, e.g. `"accept4"`.
  public let call: String
  /// The `errno` value read right after the call returned.
  public let errno: Int32

  /// An error for `call` failing with `errno`.
  public init(call: String, errno: Int32) {
    self.call = call
    self.errno = errno
  }

  /// The C library's description of `errno` (`strerror_r`).
  public var message: String {
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: 256) { buf in
      guard let text = clinux_strerror(errno, buf.baseAddress, buf.count) else {
        return "errno \(errno)"
      }
      return String(cString: text)
    }
  }

  public var description: String { "\(call): \(message) (errno \(errno))" }

  /// True for errors meaning the peer went away (reset, broken pipe, timed out
  /// at the TCP level): expected on the Internet, worth a debug line at most.
  public var isDisconnect: Bool {
    switch errno {
    case ECONNRESET, EPIPE, ETIMEDOUT, ECONNABORTED, ENOTCONN, EHOSTUNREACH, ENETUNREACH:
      true
    default: false
    }
  }
}

/// The outcome of a non-blocking call: done, or try again when ready.
enum IOResult<T> {
  case done(T)
  case wouldBlock
}

/// Thin wrappers over the socket system calls; see the file comment.
enum Syscall {
  /// Runs `body` until it does not fail with EINTR. A negative result is a
  /// failure; errnos proving a bug in this module (EBADF, EFAULT) stop the
  /// process, because carrying on could send one client's bytes to another.
  @inline(__always)
  static func run<T: BinaryInteger>(
    _ name: String, _ body: () -> T
  ) throws(SystemError) -> IOResult<T> {
    while true {
      let r = body()
      if r >= 0 { return .done(r) }
      let e = Glibc.errno
      switch e {
      case EINTR: continue
      case EAGAIN, EWOULDBLOCK: return .wouldBlock
      case EBADF, EFAULT: preconditionFailure("\(name) failed with errno \(e): fd misuse")
      default: throw SystemError(call: name, errno: e)
      }
    }
  }

  /// Like `run`, for calls that never block on a non-blocking socket.
  @inline(__always)
  static func blocking<T: BinaryInteger>(
    _ name: String, _ body: () -> T
  ) throws(SystemError) -> T {
    switch try run(name, body) {
    case .done(let v): return v
    case .wouldBlock: throw SystemError(call: name, errno: EAGAIN)
    }
  }

  static func socket(family: Int32) throws(SystemError) -> Int32 {
    let type = Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue)
    return try blocking("socket") { Glibc.socket(family, type, 0) }
  }

  /// Closes without retrying: on Linux the descriptor is gone even when
  /// close reports EINTR, and a retry could close someone else's new fd.
  static func close(_ fd: Int32) {
    _ = Glibc.close(fd)
  }

  static func setOption(
    _ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32, _ label: String
  ) throws(SystemError) {
    var v = value
    _ = try blocking("setsockopt(\(label))") {
      Glibc.setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size))
    }
  }

  /// SO_LINGER on with a zero timeout: close(2) then sends RST.
  static func setLingerZero(_ fd: Int32) throws(SystemError) {
    var l = linger(l_onoff: 1, l_linger: 0)
    _ = try blocking("setsockopt(SO_LINGER)") {
      Glibc.setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
    }
  }

  static func getOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ label: String)
    throws(SystemError) -> Int32
  {
    var v: Int32 = 0
    var len = socklen_t(MemoryLayout<Int32>.size)
    _ = try blocking("getsockopt(\(label))") { Glibc.getsockopt(fd, level, name, &v, &len) }
    return v
  }

  static func bind(_ fd: Int32, _ address: SocketAddress) throws(SystemError) {
    let r = address.withSockAddr { sa, len in Glibc.bind(fd, sa, len) }
    if r != 0 { throw SystemError(call: "bind", errno: Glibc.errno) }
  }

  static func listen(_ fd: Int32, backlog: Int32) throws(SystemError) {
    _ = try blocking("listen") { Glibc.listen(fd, backlog) }
  }

  /// Starts a connect; `.wouldBlock` means it is in progress (EINPROGRESS,
  /// or EINTR, after which the connection also proceeds asynchronously).
  static func connect(_ fd: Int32, _ address: SocketAddress) throws(SystemError) -> IOResult<Void> {
    let r = address.withSockAddr { sa, len in Glibc.connect(fd, sa, len) }
    if r == 0 { return .done(()) }
    let e = Glibc.errno
    switch e {
    case EINPROGRESS, EINTR, EALREADY, EAGAIN: return .wouldBlock
    default: throw SystemError(call: "connect", errno: e)
    }
  }

  /// accept4 with NONBLOCK|CLOEXEC, returning the new fd and the peer.
  static func accept(_ fd: Int32) throws(SystemError) -> IOResult<(Int32, SocketAddress?)> {
    var storage = sockaddr_storage()
    var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let flags = Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue)
    let r = try withUnsafeMutablePointer(to: &storage) { p throws(SystemError) in
      try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa throws(SystemError) in
        try run("accept4") { clinux_accept4(fd, sa, &len, flags) }
      }
    }
    switch r {
    case .wouldBlock: return .wouldBlock
    case .done(let newFD): return .done((newFD, SocketAddress(storage: storage)))
    }
  }

  static func recv(_ fd: Int32, _ buf: UnsafeMutableRawBufferPointer) throws(SystemError)
    -> IOResult<Int>
  {
    try run("recv") { Glibc.recv(fd, buf.baseAddress, buf.count, 0) }
  }

  /// send with MSG_NOSIGNAL: a reset peer yields EPIPE, never SIGPIPE.
  static func send(_ fd: Int32, _ buf: UnsafeRawBufferPointer) throws(SystemError) -> IOResult<Int>
  {
    try run("send") { Glibc.send(fd, buf.baseAddress, buf.count, Int32(MSG_NOSIGNAL)) }
  }

  static func shutdown(_ fd: Int32, _ how: Int32) {
    // ENOTCONN (peer already gone) is the only expected failure; nothing to do then.
    _ = Glibc.shutdown(fd, how)
  }

  static func localAddress(_ fd: Int32) -> SocketAddress? {
    var storage = sockaddr_storage()
    var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let r = withUnsafeMutablePointer(to: &storage) { p in
      p.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.getsockname(fd, $0, &len) }
    }
    return r == 0 ? SocketAddress(storage: storage) : nil
  }

  static func peerAddress(_ fd: Int32) -> SocketAddress? {
    var storage = sockaddr_storage()
    var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let r = withUnsafeMutablePointer(to: &storage) { p in
      p.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.getpeername(fd, $0, &len) }
    }
    return r == 0 ? SocketAddress(storage: storage) : nil
  }
}

/// epoll(7), Linux only.
enum Epoll {
  static let input = EPOLLIN.rawValue
  static let output = EPOLLOUT.rawValue
  static let error = EPOLLERR.rawValue
  static let hangUp = EPOLLHUP.rawValue
  static let readHangUp = EPOLLRDHUP.rawValue
  static let oneShot = EPOLLONESHOT.rawValue

  static func create() throws(SystemError) -> Int32 {
    try Syscall.blocking("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) }
  }

  enum Op {
    case add, modify, delete
    var raw: Int32 {
      switch self {
      case .add: EPOLL_CTL_ADD
      case .modify: EPOLL_CTL_MOD
      case .delete: EPOLL_CTL_DEL
      }
    }
  }

  static func control(_ epfd: Int32, _ op: Op, _ fd: Int32, events: UInt32) throws(SystemError) {
    _ = try Syscall.blocking("epoll_ctl") { clinux_epoll_ctl(epfd, op.raw, fd, events) }
  }

  /// Waits for events; returns how many of `fds`/`events` were filled.
  /// EINTR returns 0 so the caller recomputes its timeout.
  static func wait(
    _ epfd: Int32, fds: UnsafeMutablePointer<Int32>, events: UnsafeMutablePointer<UInt32>,
    max: Int32, timeoutMs: Int32
  ) throws(SystemError) -> Int {
    let n = clinux_epoll_wait(epfd, fds, events, max, timeoutMs)
    if n >= 0 { return Int(n) }
    let e = Glibc.errno
    if e == EINTR { return 0 }
    throw SystemError(call: "epoll_wait", errno: e)
  }
}

/// eventfd(2), Linux only: the reactor's wake-up channel.
enum EventFD {
  static func create() throws(SystemError) -> Int32 {
    try Syscall.blocking("eventfd") { eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC)) }
  }

  static func signal(_ fd: Int32) {
    var one: UInt64 = 1
    // EAGAIN means the counter is saturated: the reader is already woken.
    _ = try? Syscall.run("eventfd write") { Glibc.write(fd, &one, 8) }
  }

  static func drain(_ fd: Int32) {
    var value: UInt64 = 0
    _ = try? Syscall.run("eventfd read") { Glibc.read(fd, &value, 8) }
  }
}
