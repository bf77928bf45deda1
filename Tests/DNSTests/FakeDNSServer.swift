import DNS
import Net
import Synchronization

/// A DNS server on 127.0.0.1 (UDP and TCP on one random port) whose answers
/// come from a handler, for the resolver's loopback tests.
final class FakeDNSServer: Sendable {
  enum Transport: Sendable {
    case udp
    case tcp
  }

  /// What to send back: each element is one datagram (over TCP only the first
  /// is sent); an empty array sends nothing.
  enum Response: Sendable {
    case message(DNSMessage)
    case bytes([UInt8])
  }

  typealias Handler = @Sendable (DNSMessage, Transport) -> [Response]

  let address: SocketAddress
  private let udp: UDPSocket
  private let tcp: TCPListener
  private let handler: Handler
  private let log = Mutex<[(Transport, DNSQuestion)]>([])
  private let tasks = Mutex<[Task<Void, Never>]>([])

  init(reactor: Reactor, handler: @escaping Handler) throws {
    var bound: (UDPSocket, TCPListener)?
    for _ in 0..<20 {
      let u = try UDPSocket(
        bindingTo: try SocketAddress(host: "127.0.0.1", port: 0), reactor: reactor)
      guard let port = u.localAddress?.port else { continue }
      do {
        let t = try TCPListener(
          bindingTo: try SocketAddress(host: "127.0.0.1", port: port), reactor: reactor)
        bound = (u, t)
        break
      } catch {
        u.close()  // the TCP port is taken; try another
      }
    }
    guard let (u, t) = bound else { throw NetError.timedOut }
    udp = u
    tcp = t
    address = t.localAddress
    self.handler = handler
    start()
  }

  /// How many queries arrived over each transport, with their questions.
  var queries: [(Transport, DNSQuestion)] { log.withLock { $0 } }
  var udpCount: Int { queries.count { $0.0 == .udp } }
  var tcpCount: Int { queries.count { $0.0 == .tcp } }

  private func start() {
    let udpTask = Task { [self] in
      while true {
        guard let datagram = try? await udp.receive() else { return }
        guard let query = try? DNSMessage.decode(datagram.bytes) else { continue }
        log.withLock { $0.append((.udp, query.questions.first ?? Self.noQuestion)) }
        for response in handler(query, .udp) {
          try? await udp.send(Self.bytes(response), to: datagram.source)
        }
      }
    }
    let tcpTask = Task { [self] in
      while let connection = try? await tcp.accept() {
        let reader = BufferedReader(connection)
        guard let prefix = try? await reader.readExactly(2) else {
          connection.close()
          continue
        }
        let length = Int(prefix[0]) << 8 | Int(prefix[1])
        guard let body = try? await reader.readExactly(length),
          let query = try? DNSMessage.decode(body)
        else {
          connection.close()
          continue
        }
        log.withLock { $0.append((.tcp, query.questions.first ?? Self.noQuestion)) }
        if let response = handler(query, .tcp).first {
          let out = Self.bytes(response)
          try? await connection.write([UInt8(out.count >> 8), UInt8(out.count & 0xff)] + out)
        }
        connection.close()
      }
    }
    tasks.withLock { $0 = [udpTask, tcpTask] }
  }

  func stop() {
    udp.close()
    tcp.close()
    for task in tasks.withLock({ $0 }) { task.cancel() }
  }

  private static let noQuestion = DNSQuestion(name: .root, type: .any)

  private static func bytes(_ response: Response) -> [UInt8] {
    switch response {
    case .message(let m): (try? m.encode()) ?? []
    case .bytes(let b): b
    }
  }
}

/// Runs `body` with a reactor and a fake server, then stops both.
func withFakeServer<T>(
  _ handler: @escaping FakeDNSServer.Handler,
  _ body: (Reactor, FakeDNSServer) async throws -> T
) async throws -> T {
  let reactor = try Reactor()
  defer { reactor.shutdown() }
  let server = try FakeDNSServer(reactor: reactor, handler: handler)
  defer { server.stop() }
  return try await body(reactor, server)
}

/// A resolver on sockets asking `servers` with a short timeout.
func socketResolver(
  _ reactor: Reactor, _ servers: [SocketAddress], attempts: Int = 2,
  // Generous: beside the whole suite on two busy cores, an in-process fake server can
  // take far longer than a real one to answer. Tests about timeouts pass their own.
  timeout: Duration = .seconds(5)
) -> Resolver {
  Resolver(
    configuration: ResolverConfiguration(servers: servers, timeout: timeout, attempts: attempts),
    reactor: reactor, logger: quietLogger())
}
