import Net

/// How the resolver exchanges messages with a server. `SocketDNSTransport` is
/// the real one; tests substitute scripted ones.
///
/// Errors are passed through as thrown: `NetError.timedOut` means the
/// deadline passed, `CancellationError` cancellation, anything else a network
/// failure.
public protocol DNSTransport: Sendable {
  /// Sends `query` to `server` over UDP and returns the first datagram from
  /// `server` that `accept` approves. Datagrams from elsewhere, or that
  /// `accept` rejects (a wrong ID, garbage), are ignored and the wait goes on
  /// until `deadline`.
  func udpExchange(
    _ query: [UInt8], server: SocketAddress, deadline: ContinuousClock.Instant,
    accept: @Sendable ([UInt8]) -> Bool
  ) async throws -> [UInt8]

  /// Sends `query` to `server` over TCP with the two-octet length prefix
  /// (RFC 1035 §4.2.2) and returns the reply, all before `deadline`.
  func tcpExchange(
    _ query: [UInt8], server: SocketAddress, deadline: ContinuousClock.Instant
  ) async throws -> [UInt8]
}

/// The socket transport: a fresh UDP socket per try, so every query leaves
/// from a new random port, and one TCP connection per truncated reply.
public struct SocketDNSTransport: DNSTransport {
  public let reactor: Reactor

  public init(reactor: Reactor) {
    self.reactor = reactor
  }

  public func udpExchange(
    _ query: [UInt8], server: SocketAddress, deadline: ContinuousClock.Instant,
    accept: @Sendable ([UInt8]) -> Bool
  ) async throws -> [UInt8] {
    let socket = try UDPSocket(family: server.family, reactor: reactor)
    defer { socket.close() }
    // Connected: the kernel drops other sources and reports ICMP
    // port-unreachable as ECONNREFUSED, so a dead server fails fast.
    try socket.connect(to: server)
    try await socket.send(query, deadline: deadline)
    while true {
      let datagram = try await socket.receive(max: 65535, deadline: deadline)
      guard datagram.source.unmapped == server.unmapped else { continue }
      if accept(datagram.bytes) { return datagram.bytes }
    }
  }

  public func tcpExchange(
    _ query: [UInt8], server: SocketAddress, deadline: ContinuousClock.Instant
  ) async throws -> [UInt8] {
    let left = deadline - .now
    guard left > .zero else { throw NetError.timedOut }
    let connection = try await TCPConnection.connect(to: server, reactor: reactor, timeout: left)
    defer { connection.close() }
    connection.writeTimeout = left
    try await connection.write([UInt8(query.count >> 8 & 0xff), UInt8(query.count & 0xff)] + query)
    let prefix = try await Self.read(exactly: 2, from: connection, deadline: deadline)
    let length = Int(prefix[0]) << 8 | Int(prefix[1])
    return try await Self.read(exactly: length, from: connection, deadline: deadline)
  }

  private static func read(
    exactly count: Int, from connection: TCPConnection, deadline: ContinuousClock.Instant
  ) async throws -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(count)
    while out.count < count {
      let chunk = try await connection.read(max: count - out.count, deadline: deadline)
      if chunk.isEmpty { throw NetError.unexpectedEOF(expected: count, received: out.count) }
      out += chunk
    }
    return out
  }
}
