import DNS
import Log
import Net
import Synchronization

/// A logger whose lines stay in memory.
func quietLogger() -> Logger {
  Logger(sink: LogSink.capturing(level: .warning), component: "test")
}

func name(_ text: String) -> DNSName {
  try! DNSName(text)
}

func ip(_ text: String) -> IPAddress {
  IPAddress(text)!
}

func server(_ text: String) -> SocketAddress {
  try! SocketAddress(text)
}

/// Records of one kind for building replies.
func rr(_ owner: String, _ data: DNSRecordData, ttl: UInt32 = 300) -> DNSResourceRecord {
  DNSResourceRecord(name: name(owner), ttl: ttl, data: data)
}

func soa(_ zone: String, ttl: UInt32 = 3600, minimum: UInt32 = 60) -> DNSResourceRecord {
  rr(
    zone,
    .soa(
      DNSSOA(
        primary: name("ns1.\(zone)"), mailbox: name("hostmaster.\(zone)"), serial: 1,
        refresh: 7200, retry: 900, expire: 1_209_600, minimum: minimum)), ttl: ttl)
}

/// The reply a server would send to `query`.
func reply(
  to query: DNSMessage, rcode: DNSRcode = .noError, answers: [DNSResourceRecord] = [],
  authorities: [DNSResourceRecord] = []
) -> DNSMessage {
  var header = DNSHeader(id: query.header.id)
  header.isResponse = true
  header.recursionDesired = query.header.recursionDesired
  header.recursionAvailable = true
  var m = DNSMessage(
    header: header, questions: query.questions, answers: answers, authorities: authorities,
    edns: query.edns == nil ? nil : EDNS())
  m.rcode = rcode
  return m
}

/// A transport answering from a handler, for resolver tests without sockets.
/// The handler sees each decoded query with the server and whether it came
/// over TCP; `.timeout` makes the try time out at once.
final class ScriptedTransport: DNSTransport {
  enum Response {
    case message(DNSMessage)
    case bytes([UInt8])
    case timeout
    case failure(any Error)
  }

  struct Query: Sendable {
    var server: SocketAddress
    var tcp: Bool
    var message: DNSMessage
  }

  typealias Handler = @Sendable (DNSMessage, SocketAddress, Bool) async -> [Response]

  private let handler: Handler
  private let log = Mutex<[Query]>([])

  /// `handler` returns the datagrams sent back, in order: over UDP the first
  /// one `accept` approves wins and the rest are never seen; over TCP only the
  /// first counts.
  init(_ handler: @escaping Handler) {
    self.handler = handler
  }

  var queries: [Query] { log.withLock { $0 } }

  func udpExchange(
    _ query: [UInt8], server: SocketAddress, deadline: ContinuousClock.Instant,
    accept: @Sendable ([UInt8]) -> Bool
  ) async throws -> [UInt8] {
    let message = try DNSMessage.decode(query)
    log.withLock { $0.append(Query(server: server, tcp: false, message: message)) }
    for response in await handler(message, server, false) {
      switch response {
      case .message(let m):
        let bytes = try m.encode()
        if accept(bytes) { return bytes }
      case .bytes(let b):
        if accept(b) { return b }
      case .timeout:
        throw NetError.timedOut
      case .failure(let e):
        throw e
      }
    }
    throw NetError.timedOut
  }

  func tcpExchange(
    _ query: [UInt8], server: SocketAddress, deadline: ContinuousClock.Instant
  ) async throws -> [UInt8] {
    let message = try DNSMessage.decode(query)
    log.withLock { $0.append(Query(server: server, tcp: true, message: message)) }
    switch await handler(message, server, true).first {
    case .message(let m): return try m.encode()
    case .bytes(let b): return b
    case .failure(let e): throw e
    case .timeout, nil: throw NetError.timedOut
    }
  }
}

/// A resolver over `transport` with one fake server and a manual clock.
func scriptedResolver(
  _ transport: ScriptedTransport, clock: ManualDNSClock = ManualDNSClock(),
  servers: [String] = ["192.0.2.53:53"], attempts: Int = 2,
  configure: (inout ResolverConfiguration) -> Void = { _ in }
) -> Resolver {
  var configuration = ResolverConfiguration(
    servers: servers.map(server), timeout: .milliseconds(200), attempts: attempts)
  configure(&configuration)
  return Resolver(
    configuration: configuration, transport: transport, clock: clock, logger: quietLogger())
}

/// A small deterministic generator for pseudo-random test inputs.
struct SplitMix64 {
  var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
