import Log
import Net
import Synchronization

/// The stub resolver: asks the configured recursive servers, follows CNAMEs
/// and caches answers.
///
/// A query goes over UDP from a fresh random port with a random ID and
/// advertises a 1232-octet EDNS0 payload. A reply counts only if it comes
/// from the server asked and carries the query's ID and question; anything
/// else is ignored while the wait goes on. A truncated reply is asked again
/// over TCP. Servers are tried in order, `attempts` rounds, `timeout` each.
/// Answers are cached for their TTL (capped), negative ones for the SOA's
/// negative TTL (RFC 2308 §5, capped); concurrent lookups of the same name
/// and type share one query.
public final class Resolver: DNSResolving {
  /// The servers and limits in use.
  public let configuration: ResolverConfiguration
  private let transport: any DNSTransport
  private let clock: any DNSClock
  private let logger: Logger
  private let state: Mutex<State>

  private struct State {
    var cache: DNSCache
    /// Callers waiting for each query in flight, by a number of their own so one can
    /// leave when its task is cancelled; the query resumes the rest when it ends.
    var inflight: [DNSCache.Key: [UInt64: Waiter]] = [:]
    var nextWaiter: UInt64 = 0
  }

  private typealias Waiter = CheckedContinuation<Result<DNSAnswer, DNSError>, Never>

  /// A resolver on sockets driven by `reactor`.
  public convenience init(
    configuration: ResolverConfiguration, reactor: Reactor, logger: Logger
  ) {
    self.init(
      configuration: configuration, transport: SocketDNSTransport(reactor: reactor),
      clock: SystemDNSClock(), logger: logger)
  }

  /// A resolver over any transport and clock (tests pass scripted ones).
  public init(
    configuration: ResolverConfiguration, transport: any DNSTransport,
    clock: any DNSClock = SystemDNSClock(), logger: Logger
  ) {
    self.configuration = configuration
    self.transport = transport
    self.clock = clock
    self.logger = logger.component("dns")
    self.state = Mutex(State(cache: DNSCache(capacity: configuration.cacheCapacity)))
  }

  /// How many answers the cache holds (expired ones included until touched).
  public var cachedCount: Int { state.withLock { $0.cache.count } }

  /// Forgets every cached answer.
  public func flushCache() {
    state.withLock { $0.cache.removeAll() }
  }

  // MARK: - Lookups

  /// Looks up `type` records at `name`, following CNAMEs (unless `type` is
  /// CNAME), from the cache when it can.
  /// - Throws: `DNSError` for failures; NXDOMAIN is not thrown but returned as
  ///   `.nxdomain`, so callers choose how to treat it. `.cancelled` as soon as the
  ///   calling task is cancelled, even while it waits for a query another caller started.
  public func lookup(_ name: DNSName, type: DNSRecordType) async throws(DNSError) -> DNSAnswer {
    let key = DNSCache.Key(name: name, type: type)
    let now = clock.now()
    let cached = state.withLock { s -> DNSAnswer? in s.cache.get(key, now: now) }
    if let cached { return cached }
    return try await join(key).get()
  }

  /// Waits for the query for `key`, starting it unless one is in flight. A cancelled caller
  /// leaves at once with `.cancelled`; the query goes on for the other callers (its own
  /// timeouts bound it, servers × attempts × timeout) and its answer is cached.
  private func join(_ key: DNSCache.Key) async -> Result<DNSAnswer, DNSError> {
    let id = state.withLock { s in
      defer { s.nextWaiter &+= 1 }
      return s.nextWaiter
    }
    return await withTaskCancellationHandler {
      await withCheckedContinuation { (waiter: Waiter) in
        let now = clock.now()
        let early = state.withLock { s -> Result<DNSAnswer, DNSError>? in
          // Checked under the lock: a cancellation before this point found no waiter to
          // resume, so it is seen here instead.
          if Task.isCancelled { return .failure(.cancelled) }
          // The answer may have come in since the caller looked.
          if let hit = s.cache.get(key, now: now) { return .success(hit) }
          if s.inflight[key] != nil {
            s.inflight[key]?[id] = waiter
          } else {
            s.inflight[key] = [id: waiter]
            Task { await self.resolveAndCache(key) }
          }
          return nil
        }
        if let early { waiter.resume(returning: early) }
      }
    } onCancel: {
      let waiter = state.withLock { $0.inflight[key]?.removeValue(forKey: id) }
      waiter?.resume(returning: .failure(.cancelled))
    }
  }

  /// How many callers wait for the query in flight for `name` and `type` (for tests).
  func waiting(for name: DNSName, type: DNSRecordType) -> Int {
    state.withLock { $0.inflight[DNSCache.Key(name: name, type: type)]?.count ?? 0 }
  }

  /// `lookup` for a name given as text.
  /// - Throws: `DNSError.invalidName` if `name` is not a domain name.
  public func lookup(_ name: String, type: DNSRecordType) async throws(DNSError) -> DNSAnswer {
    try await lookup(try Self.parse(name), type: type)
  }

  /// Runs one query and hands its result to every caller still waiting.
  private func resolveAndCache(_ key: DNSCache.Key) async {
    let result: Result<DNSAnswer, DNSError>
    do {
      var answer = try await resolve(key.name, key.type)
      answer.ttl = min(
        answer.ttl,
        answer.outcome == .noData || answer.outcome == .nxdomain
          ? configuration.maxNegativeTTL : configuration.maxTTL)
      result = .success(answer)
    } catch {
      logger.info(
        "dns.failed", ("name", key.name.description), ("type", key.type.description),
        ("error", error.description))
      result = .failure(error)
    }
    let now = clock.now()
    let waiters = state.withLock { s in
      if case .success(let answer) = result { s.cache.put(answer, now: now) }
      return s.inflight.removeValue(forKey: key) ?? [:]
    }
    for waiter in waiters.values { waiter.resume(returning: result) }
  }

  /// Asks the servers, following the CNAME chain across queries when a
  /// server leaves it unfinished.
  private func resolve(_ name: DNSName, _ type: DNSRecordType) async throws(DNSError)
    -> DNSAnswer
  {
    let question = DNSQuestion(name: name, type: type)
    var current = name
    var visited: Set<DNSName> = [name]
    var links = 0
    var ttl = UInt32.max
    while true {
      let message = try await exchange(current, type)
      var moved = false
      while true {
        let matching = message.answers.filter {
          $0.name == current && $0.type == type && $0.rrClass == .internet
        }
        if !matching.isEmpty {
          ttl = min(ttl, matching.map(\.ttl).min() ?? 0)
          return DNSAnswer(
            question: question, canonicalName: current, outcome: .records(matching), ttl: ttl)
        }
        guard type != .cname,
          let link = message.answers.first(where: { $0.name == current && $0.type == .cname }),
          case .cname(let target) = link.data
        else { break }
        links += 1
        guard links <= configuration.maxCNAMEChain else {
          throw .cnameChainTooLong(name: name.description, limit: configuration.maxCNAMEChain)
        }
        guard visited.insert(target).inserted else { throw .cnameLoop(name: name.description) }
        ttl = min(ttl, link.ttl)
        current = target
        moved = true
      }
      let soa = Self.negativeTTL(message)
      if message.rcode == .nameError {
        // RFC 6604 §2: the code is about the last name of the chain.
        return DNSAnswer(
          question: question, canonicalName: current, outcome: .nxdomain,
          ttl: min(ttl, soa ?? 0))
      }
      // A CNAME into a name the reply says nothing more about: without an SOA
      // proving "no data", the server did not follow it; ask about the target.
      if moved && soa == nil { continue }
      return DNSAnswer(
        question: question, canonicalName: current, outcome: .noData, ttl: min(ttl, soa ?? 0))
    }
  }

  /// RFC 2308 §5: a negative answer lives for the smaller of the SOA record's
  /// TTL and its MINIMUM field; without an SOA it is not cached (nil).
  private static func negativeTTL(_ message: DNSMessage) -> UInt32? {
    for record in message.authorities {
      if case .soa(let soa) = record.data { return min(record.ttl, soa.minimum) }
    }
    return nil
  }

  // MARK: - Talking to servers

  /// One question, asked of each server in turn for `attempts` rounds, until
  /// one gives a usable NOERROR or NXDOMAIN reply.
  private func exchange(_ name: DNSName, _ type: DNSRecordType) async throws(DNSError)
    -> DNSMessage
  {
    guard !configuration.servers.isEmpty else { throw .noServers }
    var worst: DNSError?
    var tries = 0
    for _ in 0..<configuration.attempts {
      for server in configuration.servers {
        if Task.isCancelled { throw .cancelled }
        tries += 1
        do {
          return try await ask(server, name, type, edns: true)
        } catch .cancelled {
          throw .cancelled
        } catch {
          logger.debug(
            "dns.try_failed", ("name", name.description), ("type", type.description),
            ("server", server.description), ("error", error.description))
          if Self.rank(error) >= Self.rank(worst) { worst = error }
        }
      }
    }
    if case .timedOut = worst { throw .timedOut(name: name.description, attempts: tries) }
    throw worst ?? .timedOut(name: name.description, attempts: tries)
  }

  /// Which failure says most about why a lookup failed: a server's error code
  /// beats an unusable reply, which beats a network error, which beats silence.
  private static func rank(_ error: DNSError?) -> Int {
    switch error {
    case .serverFailure: 4
    case .malformedReply: 3
    case .network: 2
    case .timedOut: 1
    default: 0
    }
  }

  /// Asks one server once: UDP, then TCP if the reply is truncated. Without
  /// EDNS again if the server rejects it (RFC 6891 §7).
  private func ask(
    _ server: SocketAddress, _ name: DNSName, _ type: DNSRecordType, edns: Bool
  ) async throws(DNSError) -> DNSMessage {
    let id = UInt16.random(in: 0...UInt16.max)
    let query = DNSMessage.query(
      id: id, name: name, type: type,
      edns: edns ? EDNS(udpPayloadSize: configuration.udpPayloadSize) : nil)
    let question = query.questions[0]
    let bytes: [UInt8]
    do {
      bytes = try query.encode()
    } catch {
      throw .invalidName(name.description, reason: error.description)
    }
    let accept: @Sendable ([UInt8]) -> Bool = { Self.isReply($0, id: id, question: question) }
    logger.debug(
      "dns.query", ("name", name.description), ("type", type.description),
      ("server", server.description))
    var reply = try await network(name) { () async throws in
      try await transport.udpExchange(
        bytes, server: server, deadline: .now + configuration.timeout, accept: accept)
    }
    if (try? DNSMessage.decodeHeaderAndQuestions(reply))?.header.isTruncated == true {
      logger.debug(
        "dns.truncated", ("name", name.description), ("server", server.description))
      reply = try await network(name) { () async throws in
        try await transport.tcpExchange(
          bytes, server: server, deadline: .now + configuration.timeout)
      }
      guard accept(reply) else {
        throw .malformedReply(
          name: name.description, reason: "the TCP reply from \(server) does not match the query")
      }
    }
    let message: DNSMessage
    do {
      message = try DNSMessage.decode(reply)
    } catch {
      throw .malformedReply(name: name.description, reason: "\(error) (from \(server))")
    }
    switch message.rcode {
    case .noError, .nameError:
      return message
    case .formatError where edns, .notImplemented where edns, .badVersion where edns:
      return try await ask(server, name, type, edns: false)
    default:
      throw .serverFailure(name: name.description, rcode: message.rcode, server: server)
    }
  }

  /// Runs a transport call, translating its errors into `DNSError`.
  private func network(
    _ name: DNSName, _ body: () async throws -> [UInt8]
  ) async throws(DNSError) -> [UInt8] {
    do {
      return try await body()
    } catch NetError.timedOut {
      throw .timedOut(name: name.description, attempts: 1)
    } catch is CancellationError {
      throw .cancelled
    } catch {
      throw .network(name: name.description, reason: "\(error)")
    }
  }

  /// Whether `bytes` answer the query with `id` and `question`: a response,
  /// standard opcode, same ID, same question (names compared without case).
  /// Error replies may leave the question out (RFC 1035 §4.1.1 leaves it open).
  static func isReply(_ bytes: [UInt8], id: UInt16, question: DNSQuestion) -> Bool {
    guard let (header, questions) = try? DNSMessage.decodeHeaderAndQuestions(bytes),
      header.isResponse, header.opcode == 0, header.id == id
    else { return false }
    if questions.isEmpty { return header.rcode != 0 && header.rcode != 3 }
    return questions == [question]
  }

  static func parse(_ name: String) throws(DNSError) -> DNSName {
    do {
      return try DNSName(name)
    } catch .invalidName(_, let reason) {
      throw .invalidName(name, reason: reason)
    } catch {
      throw .invalidName(name, reason: error.description)
    }
  }
}
