internal import CLinux
import Glibc
import Synchronization

/// One TCP connection on a non-blocking socket, driven by a `Reactor`.
///
/// Reads and writes try the system call first and wait for readiness only on
/// EAGAIN. One task may read while another writes; two concurrent readers (or
/// writers) are a programming error reported as `NetError.concurrentWait`.
/// `close()` may be called from any task at any time: pending operations end
/// (reads return end of stream, writes throw `NetError.closed`).
public final class TCPConnection: ByteStream {
  private let handle: SocketHandle
  /// A process-unique number for log lines (`conn=`).
  public let id: UInt64
  /// The socket's peer address (the proxy, if a PROXY header was applied).
  public let peer: SocketAddress
  /// The socket's local address.
  public let local: SocketAddress

  private struct Options {
    var readTimeout: Duration?
    var writeTimeout: Duration?
    var unread: [UInt8] = []
    var proxy: ProxyHeader?
  }

  private let options = Mutex(Options())

  init(handle: SocketHandle, peer: SocketAddress, local: SocketAddress) {
    self.handle = handle
    self.peer = peer
    self.local = local
    self.id = handle.reactor.nextConnectionID()
    // Interactive protocols write short replies; Nagle would delay each one.
    try? Syscall.setOption(handle.fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1, "TCP_NODELAY")
  }

  /// The reactor this connection waits on.
  public var reactor: Reactor { handle.reactor }

  /// The longest a read may wait for data before throwing `NetError.timedOut`
  /// (nil: forever). Each `read` call starts its own wait, so this is an idle
  /// timeout: a client that sends something now and then is never cut off.
  public var readTimeout: Duration? {
    get { options.withLock { $0.readTimeout } }
    set { options.withLock { $0.readTimeout = newValue } }
  }

  /// The longest a write may make no progress (the peer not reading) before
  /// throwing `NetError.timedOut` (nil: forever).
  public var writeTimeout: Duration? {
    get { options.withLock { $0.writeTimeout } }
    set { options.withLock { $0.writeTimeout = newValue } }
  }

  /// The PROXY protocol header applied to this connection, if any.
  public var proxyHeader: ProxyHeader? { options.withLock { $0.proxy } }

  /// The real client: the PROXY header's source if one was applied, else `peer`.
  public var clientAddress: SocketAddress { proxyHeader?.source ?? peer }

  /// The address the client connected to: the PROXY header's destination if
  /// one was applied, else `local`.
  public var serverAddress: SocketAddress { proxyHeader?.destination ?? local }

  /// Records the addresses a trusted proxy reported (see `ProxyProtocol`).
  public func applyProxyHeader(_ header: ProxyHeader) {
    options.withLock { $0.proxy = header }
  }

  /// Puts `bytes` back in front of the stream: the next reads return them
  /// before anything from the socket. Used to hand bytes read past a PROXY
  /// header (for example a TLS ClientHello) to whoever reads next.
  public func unread(_ bytes: [UInt8]) {
    guard !bytes.isEmpty else { return }
    options.withLock { $0.unread = bytes + $0.unread }
  }

  /// Whether `close()` has been called.
  public var isClosed: Bool { handle.isClosed }

  // MARK: - ByteStream

  /// Reads at most `max` bytes, waiting up to `readTimeout`.
  /// Returns `[]` at end of stream or once the connection is closed locally.
  public func read(max: Int) async throws -> [UInt8] {
    try await read(max: max, deadline: nil)
  }

  /// Reads at most `max` bytes, waiting until the earlier of `deadline` and
  /// now + `readTimeout`. Throws `NetError.timedOut`, `CancellationError`, or
  /// `SystemError` (for example ECONNRESET).
  public func read(max: Int, deadline: ContinuousClock.Instant?) async throws -> [UInt8] {
    precondition(max > 0, "read(max:) needs a positive maximum")
    let pushed = options.withLock { o -> [UInt8]? in
      guard !o.unread.isEmpty else { return nil }
      if o.unread.count <= max {
        defer { o.unread = [] }
        return o.unread
      }
      defer { o.unread.removeFirst(max) }
      return Array(o.unread.prefix(max))
    }
    if let pushed { return pushed }
    let limit = Self.earlier(deadline, readTimeout.map { .now + $0 })
    do {
      return try await handle.withPinnedFD { fd in
        while true {
          if handle.isClosed { return [] }
          if let bytes = try Self.receive(fd, max: max) { return bytes }
          try await handle.reactor.waitReadable(fd, deadline: limit)
        }
      }
    } catch NetError.closed {
      return []
    }
  }

  /// Writes all of `bytes`, waiting for the socket to drain as needed.
  /// Uses MSG_NOSIGNAL: a vanished peer is an error (EPIPE/ECONNRESET), never
  /// a signal. Throws `NetError.closed` if the connection is closed first.
  public func write(_ bytes: [UInt8]) async throws {
    guard !bytes.isEmpty else { return }
    let timeout = writeTimeout
    try await handle.withPinnedFD { fd in
      var offset = 0
      var deadline = timeout.map { ContinuousClock.now + $0 }
      while offset < bytes.count {
        if handle.isClosed { throw NetError.closed }
        let r = try bytes.withUnsafeBytes { raw throws(SystemError) in
          try Syscall.send(fd, UnsafeRawBufferPointer(rebasing: raw[offset...]))
        }
        switch r {
        case .done(let n):
          offset += n
          deadline = timeout.map { ContinuousClock.now + $0 }
        case .wouldBlock:
          try await handle.reactor.waitWritable(fd, deadline: deadline)
        }
      }
    }
  }

  /// Closes the connection (deregister, then close); idempotent, callable
  /// from any task. Operations in flight on other tasks end promptly.
  public func close() {
    handle.close()
  }

  /// Closes with a reset (SO_LINGER 0) instead of an orderly FIN: for
  /// dropping an abusive client without keeping TIME_WAIT state.
  public func abort() {
    _ = try? handle.withPinnedFDSync { fd in try Syscall.setLingerZero(fd) }
    handle.close()
  }

  /// Half-closes: sends FIN after queued data; reads still work.
  public func shutdownWrite() throws {
    try handle.withPinnedFDSync { fd in Syscall.shutdown(fd, Int32(SHUT_WR)) }
  }

  /// Sets SO_RCVBUF (the kernel doubles it and applies a minimum).
  public func setReceiveBufferSize(_ bytes: Int) throws {
    try handle.withPinnedFDSync { fd in
      try Syscall.setOption(fd, SOL_SOCKET, SO_RCVBUF, Int32(clamping: bytes), "SO_RCVBUF")
    }
  }

  /// Sets SO_SNDBUF (the kernel doubles it and applies a minimum).
  public func setSendBufferSize(_ bytes: Int) throws {
    try handle.withPinnedFDSync { fd in
      try Syscall.setOption(fd, SOL_SOCKET, SO_SNDBUF, Int32(clamping: bytes), "SO_SNDBUF")
    }
  }

  // MARK: - Connecting

  /// Opens a client connection: non-blocking connect, then waits for the
  /// socket to become writable and reads SO_ERROR.
  /// - Throws: `SystemError` (for example ECONNREFUSED from `connect`),
  ///   `NetError.timedOut` after `timeout`, `CancellationError`.
  public static func connect(
    to address: SocketAddress, reactor: Reactor, timeout: Duration? = nil
  ) async throws -> TCPConnection {
    let deadline = timeout.map { ContinuousClock.now + $0 }
    let handle = SocketHandle(
      fd: try Syscall.socket(family: address.socketFamily), reactor: reactor)
    // On any throw below, `handle` is released and its deinit closes the fd.
    let local = try await handle.withPinnedFD { fd in
      if case .wouldBlock = try Syscall.connect(fd, address) {
        try await reactor.waitWritable(fd, deadline: deadline)
        let err = try Syscall.getOption(fd, SOL_SOCKET, SO_ERROR, "SO_ERROR")
        if err != 0 { throw SystemError(call: "connect", errno: err) }
      }
      return Syscall.localAddress(fd)
    }
    return TCPConnection(handle: handle, peer: address, local: local ?? address)
  }

  // MARK: - Helpers

  /// One recv into a fresh array: nil on EAGAIN, `[]` at EOF. A short read
  /// into a large buffer is copied out so no idle connection keeps `max`
  /// bytes of capacity alive.
  private static func receive(_ fd: Int32, max: Int) throws(SystemError) -> [UInt8]? {
    var failure: SystemError?
    var ready = false
    let bytes = [UInt8](unsafeUninitializedCapacity: max) { buf, count in
      do throws(SystemError) {
        if case .done(let n) = try Syscall.recv(fd, UnsafeMutableRawBufferPointer(buf)) {
          count = n
          ready = true
        } else {
          count = 0
        }
      } catch {
        failure = error
        count = 0
      }
    }
    if let failure { throw failure }
    guard ready else { return nil }
    if bytes.count < max / 2 && max - bytes.count > 1024 { return Array(bytes[...]) }
    return bytes
  }

  static func earlier(
    _ a: ContinuousClock.Instant?, _ b: ContinuousClock.Instant?
  ) -> ContinuousClock.Instant? {
    guard let a else { return b }
    guard let b else { return a }
    return min(a, b)
  }
}
