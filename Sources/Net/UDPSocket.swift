internal import CLinux
import Glibc

/// A datagram received by a `UDPSocket`, with the address it came from.
public struct UDPDatagram: Sendable, Equatable {
  public let bytes: [UInt8]
  public let source: SocketAddress

  public init(bytes: [UInt8], source: SocketAddress) {
    self.bytes = bytes
    self.source = source
  }
}

/// A non-blocking UDP socket driven by a `Reactor`, for DNS queries and the
/// test servers that answer them.
///
/// A client socket (`init(family:reactor:)`) is bound by the kernel on first
/// use to a random ephemeral port, which is part of what makes a DNS query
/// hard to spoof. `connect(to:)` fixes the peer: the kernel then drops
/// datagrams from other sources and reports ICMP port-unreachable as
/// `ECONNREFUSED`, so a dead server fails fast instead of timing out.
/// One task may receive while another sends; `close()` may be called from any
/// task and ends a pending receive with `NetError.closed`.
public final class UDPSocket: Sendable {
  private let handle: SocketHandle

  /// Opens an unbound socket of `family`; the first send or `connect` binds it
  /// to a random port.
  public init(family: SocketAddress.Family, reactor: Reactor) throws(SystemError) {
    let fd = try Syscall.datagramSocket(family: family == .ipv4 ? AF_INET : AF_INET6)
    handle = SocketHandle(fd: fd, reactor: reactor)
  }

  /// Opens a socket bound to `address` (port 0 picks a free one), as a server does.
  /// - Throws: `SystemError` from socket/bind (EADDRINUSE, EADDRNOTAVAIL, EACCES).
  public init(bindingTo address: SocketAddress, reactor: Reactor) throws(SystemError) {
    let fd = try Syscall.datagramSocket(family: address.socketFamily)
    do {
      if address.family == .ipv6 {
        try Syscall.setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, 1, "IPV6_V6ONLY")
      }
      try Syscall.bind(fd, address)
    } catch {
      Syscall.close(fd)
      throw error
    }
    handle = SocketHandle(fd: fd, reactor: reactor)
  }

  /// The reactor this socket waits on.
  public var reactor: Reactor { handle.reactor }

  /// The bound address (after binding or the first send), if any.
  public var localAddress: SocketAddress? {
    try? handle.withPinnedFDSync { fd in Syscall.localAddress(fd) }
  }

  /// Whether `close()` has been called.
  public var isClosed: Bool { handle.isClosed }

  /// Sets the default destination and accepts datagrams only from `address`.
  /// UDP connect sends nothing, so it never blocks.
  public func connect(to address: SocketAddress) throws {
    try handle.withPinnedFDSync { fd in
      if case .wouldBlock = try Syscall.connect(fd, address) {
        throw SystemError(call: "connect", errno: EAGAIN)
      }
    }
  }

  /// Sends one datagram to `address`, or to the connected peer when nil.
  /// - Throws: `SystemError` (for example ECONNREFUSED after an ICMP error on
  ///   a connected socket, EMSGSIZE), `NetError.timedOut` if the send buffer
  ///   stays full until `deadline`, `NetError.closed`, `CancellationError`.
  public func send(
    _ bytes: [UInt8], to address: SocketAddress? = nil, deadline: ContinuousClock.Instant? = nil
  ) async throws {
    try await handle.withPinnedFD { fd in
      while true {
        if handle.isClosed { throw NetError.closed }
        let r = try bytes.withUnsafeBytes { raw throws(SystemError) in
          try Syscall.sendTo(fd, raw, address)
        }
        switch r {
        case .done: return
        case .wouldBlock: try await handle.reactor.waitWritable(fd, deadline: deadline)
        }
      }
    }
  }

  /// Waits for one datagram of at most `max` octets (longer ones are cut).
  /// - Throws: `NetError.timedOut` once `deadline` passes, `NetError.closed`,
  ///   `CancellationError`, `SystemError` (ECONNREFUSED on a connected socket
  ///   whose peer sent ICMP port-unreachable).
  public func receive(
    max: Int = 65535, deadline: ContinuousClock.Instant? = nil
  ) async throws -> UDPDatagram {
    precondition(max > 0, "receive(max:) needs a positive maximum")
    return try await handle.withPinnedFD { fd in
      while true {
        if handle.isClosed { throw NetError.closed }
        if let datagram = try Self.receive(fd, max: max) { return datagram }
        try await handle.reactor.waitReadable(fd, deadline: deadline)
      }
    }
  }

  /// Closes the socket; idempotent. A pending receive throws `NetError.closed`.
  public func close() {
    handle.close()
  }

  /// One recvfrom: nil on EAGAIN.
  private static func receive(_ fd: Int32, max: Int) throws(SystemError) -> UDPDatagram? {
    var failure: SystemError?
    var source: SocketAddress?
    let bytes = [UInt8](unsafeUninitializedCapacity: max) { buf, count in
      do throws(SystemError) {
        if case .done(let (n, from)) = try Syscall.receiveFrom(
          fd, UnsafeMutableRawBufferPointer(buf))
        {
          count = n
          source = from
        } else {
          count = 0
        }
      } catch {
        failure = error
        count = 0
      }
    }
    if let failure { throw failure }
    guard let source else { return nil }
    return UDPDatagram(bytes: Array(bytes[...]), source: source)
  }
}

extension Syscall {
  static func datagramSocket(family: Int32) throws(SystemError) -> Int32 {
    let type = Int32(SOCK_DGRAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue)
    return try blocking("socket") { Glibc.socket(family, type, 0) }
  }

  /// sendto, or send on a connected socket when `address` is nil.
  static func sendTo(
    _ fd: Int32, _ buf: UnsafeRawBufferPointer, _ address: SocketAddress?
  ) throws(SystemError) -> IOResult<Int> {
    guard let address else {
      return try run("send") { Glibc.send(fd, buf.baseAddress, buf.count, Int32(MSG_NOSIGNAL)) }
    }
    // withSockAddr takes no throwing body: carry the outcome out as a Result.
    let result = address.withSockAddr { sa, len in
      Result { () throws(SystemError) in
        try run("sendto") {
          Glibc.sendto(fd, buf.baseAddress, buf.count, Int32(MSG_NOSIGNAL), sa, len)
        }
      }
    }
    return try result.get()
  }

  /// recvfrom, returning the length and the sender.
  static func receiveFrom(
    _ fd: Int32, _ buf: UnsafeMutableRawBufferPointer
  ) throws(SystemError) -> IOResult<(Int, SocketAddress?)> {
    var storage = sockaddr_storage()
    var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let r = try withUnsafeMutablePointer(to: &storage) { p throws(SystemError) in
      try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa throws(SystemError) in
        try run("recvfrom") { Glibc.recvfrom(fd, buf.baseAddress, buf.count, 0, sa, &len) }
      }
    }
    switch r {
    case .wouldBlock: return .wouldBlock
    case .done(let n): return .done((n, SocketAddress(storage: storage)))
    }
  }
}
