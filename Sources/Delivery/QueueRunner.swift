import DNS
import Log
import Net
import Storage
import Synchronization

/// The service that drains the outbound queue.
///
/// `run()` loops until `beginShutdown()`: it scans the store for due recipients when woken
/// (`wake()`, which the SMTP server calls after queueing a message, so the first attempt
/// starts at once), when the store's change counter moved (a `posta queue retry` by
/// another process is seen within `pollInterval`), and when the earliest retry time has
/// come. Each due message is worked on by its own task: its due recipients are grouped by
/// domain and each domain gets one attempt (`DomainDelivery`), all domains at once within
/// the connection limits (`maxConnections` in total, `maxConnectionsPerDestination` per
/// destination). Delivered recipients are committed as soon as their domain is done;
/// failures, deferrals and the notification they call for are committed together when
/// the message's pass ends (`Bouncer`).
///
/// Shutdown stops new work and lets running attempts finish; cancelling `run()` instead
/// cuts them short, and recipients whose attempt was cut keep their previous state (they
/// are tried again at the next start).
public final class QueueRunner: Sendable {
  /// For logs and the service group.
  public let name = "queue"
  public let store: MailStore
  public let settings: DeliverySettings
  let domainDelivery: DomainDelivery
  let bouncer: Bouncer
  let logger: Logger?
  let limiter: ConcurrencyLimiter
  /// Most octets of a message returned whole in a failure report for `RET=FULL`; a larger
  /// one is returned as its header (`DeliveryStatusNotification.returnedMessageLimit`).
  let returnedMessageLimit: Int
  private let signal = WakeSignal()
  private let state = Mutex(State())

  private struct State {
    var shuttingDown = false
    var running = false
    var inFlight: Set<QueueID> = []
  }

  /// A runner over `store`, resolving MX records with `resolver`, connecting through
  /// `reactor`. `signer` signs the notifications it sends (nil: unsigned).
  /// - Throws: `DeliveryError.tls` when a CA bundle a route needs cannot be loaded.
  public convenience init(
    store: MailStore, resolver: any DNSResolving, reactor: Reactor, settings: DeliverySettings,
    logger: Logger?, signer: DKIMSigning? = nil
  ) throws(DeliveryError) {
    let client = SMTPClient(
      settings: settings, reactor: reactor, tls: try ClientTLS(settings: settings),
      logger: logger)
    self.init(
      store: store,
      domainDelivery: DomainDelivery(
        router: Router(settings: settings, resolver: resolver), client: client,
        maxAddresses: settings.maxAddressesPerAttempt, logger: logger),
      settings: settings, logger: logger, signer: signer)
  }

  /// A runner delivering through `domainDelivery` (tests build their own).
  public init(
    store: MailStore, domainDelivery: DomainDelivery, settings: DeliverySettings,
    logger: Logger?, signer: DKIMSigning? = nil,
    returnedMessageLimit: Int = DeliveryStatusNotification.returnedMessageLimit
  ) {
    self.returnedMessageLimit = returnedMessageLimit
    self.store = store
    self.settings = settings
    self.domainDelivery = domainDelivery
    self.logger = logger
    self.bouncer = Bouncer(store: store, logger: logger, signer: signer)
    self.limiter = ConcurrencyLimiter(
      total: settings.maxConnections, perDestination: settings.maxConnectionsPerDestination)
  }

  /// Asks the running loop to look for due messages now (after queueing one).
  public func wake() { signal.signal() }

  /// Messages being worked on now.
  public var inFlightCount: Int { state.withLock { $0.inFlight.count } }

  /// Stops starting new attempts; `run()` returns once the running ones are done.
  public func beginShutdown() async {
    state.withLock { $0.shuttingDown = true }
    signal.signal()
  }

  private var isShuttingDown: Bool { state.withLock { $0.shuttingDown } }

  /// Runs until `beginShutdown()` (or cancellation).
  public func run() async throws {
    let alreadyRunning = state.withLock { s -> Bool in
      defer { s.running = true }
      return s.running
    }
    precondition(!alreadyRunning, "QueueRunner.run() called twice")
    logger?.info(
      "queue-started", ("connections", "\(settings.maxConnections)"),
      ("per_destination", "\(settings.maxConnectionsPerDestination)"))
    await withDiscardingTaskGroup { group in
      var lastCounter: Int64?
      var nextDue: Int64?
      var scan = true
      while !isShuttingDown && !Task.isCancelled {
        if scan {
          nextDue = await self.scan(into: &group)
        }
        let woken = await signal.wait(timeout: settings.pollInterval)
        if isShuttingDown || Task.isCancelled { break }
        let counter = try? await store.changeCounter()
        scan = woken || counter != lastCounter || nextDue.map { settings.clock() >= $0 } ?? false
        lastCounter = counter
      }
    }
    logger?.info("queue-stopped")
  }

  /// Works on every message due now until all of them are done, without the loop: for
  /// tests and a one-shot `posta queue` flush. Returns how many messages it worked on.
  @discardableResult
  public func runOnce() async -> Int {
    let messages: [QueuedMessage]
    do {
      messages = try await store.dueQueuedMessages(
        now: settings.clock(), limit: settings.maxMessagesInFlight)
    } catch {
      logger?.error("queue-scan-failed", ("error", "\(error)"))
      return 0
    }
    await withDiscardingTaskGroup { group in
      for m in messages where claim(m.id) {
        group.addTask { await self.work(on: m) }
      }
    }
    return messages.count
  }

  /// Starts a task for every due message not already in flight, up to the limit, and
  /// returns when the next scan is due by the clock (nil: when woken or the store changes).
  private func scan(into group: inout DiscardingTaskGroup) async -> Int64? {
    let now = settings.clock()
    let busy = inFlightCount
    let room = settings.maxMessagesInFlight - busy
    guard room > 0 else { return nil }
    let due: [QueuedMessage]
    do {
      due = try await store.dueQueuedMessages(now: now, limit: room + busy)
    } catch {
      logger?.error("queue-scan-failed", ("error", "\(error)"))
      return now + 1
    }
    var started = 0
    for m in due where started < room && claim(m.id) {
      started += 1
      group.addTask {
        await self.work(on: m)
        self.signal.signal()
      }
    }
    guard let next = try? await store.nextQueueAttempt() else { return nil }
    // Due already means in flight or over the limit: a finishing task wakes the loop, and
    // a scan each poll keeps newly due messages from waiting behind a slow one.
    return max(next, now + 1)
  }

  /// Marks `id` in flight; false when it already is.
  private func claim(_ id: QueueID) -> Bool {
    state.withLock { $0.inFlight.insert(id).inserted }
  }

  private func work(on message: QueuedMessage) async {
    await process(message)
    _ = state.withLock { $0.inFlight.remove(message.id) }
  }
}
