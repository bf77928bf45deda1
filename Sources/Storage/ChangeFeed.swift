import Synchronization

/// In-process subscriptions to mailbox changes, fed by the writer after each commit.
///
/// With no subscriber, publishing is one atomic load. Streams are unbounded: an IMAP
/// session must see every expunge, so events are never dropped; sessions drain them
/// promptly (IDLE) or on their next command.
final class ChangeFeed: Sendable {
  private typealias Continuation = AsyncStream<MailboxChange>.Continuation
  private let watchers = Mutex<[MailboxID: [Int: Continuation]]>([:])
  private let active = Atomic<Int>(0)
  private let nextID = Atomic<Int>(0)
  /// Expunge stamps, one slot per `mailbox % count`: a slot moves whenever a message of
  /// one of its mailboxes may have gone. Shared slots only cost a cache some hits.
  private let expungeStamps = Mutex([UInt64](repeating: 0, count: 64))

  func subscribe(_ mailbox: MailboxID) -> AsyncStream<MailboxChange> {
    let (stream, continuation) = AsyncStream.makeStream(
      of: MailboxChange.self, bufferingPolicy: .unbounded)
    let id = nextID.wrappingAdd(1, ordering: .relaxed).newValue
    // The handler goes first: a `.deleted` published right after the insert finishes the
    // stream, and the entry must still be removed then.
    continuation.onTermination = { [weak self] _ in self?.remove(mailbox, id) }
    active.add(1, ordering: .relaxed)
    watchers.withLock { $0[mailbox, default: [:]][id] = continuation }
    return stream
  }

  /// Subscribers of `mailbox` right now (tests use it to wait for a subscription).
  func subscriberCount(_ mailbox: MailboxID) -> Int {
    watchers.withLock { $0[mailbox]?.count ?? 0 }
  }

  /// See `MailStore.expungeStamp(of:)`.
  func expungeStamp(of mailbox: MailboxID) -> UInt64 {
    expungeStamps.withLock { $0[Self.slot(mailbox)] }
  }

  private static func slot(_ mailbox: MailboxID) -> Int {
    Int(UInt64(bitPattern: mailbox.rawValue) % 64)
  }

  func publish(_ events: [(MailboxID, MailboxChange)]) {
    guard !events.isEmpty else { return }
    let gone = events.filter { _, change in
      switch change {
      case .expunged, .deleted: true
      default: false
      }
    }
    if !gone.isEmpty {
      expungeStamps.withLock { stamps in
        for (mailbox, _) in gone { stamps[Self.slot(mailbox)] &+= 1 }
      }
    }
    guard active.load(ordering: .relaxed) > 0 else { return }
    var deliveries: [(Continuation, MailboxChange)] = []
    watchers.withLock { w in
      for (mailbox, change) in events {
        guard let subs = w[mailbox] else { continue }
        for c in subs.values { deliveries.append((c, change)) }
      }
    }
    for (c, change) in deliveries {
      c.yield(change)
      if change == .deleted { c.finish() }
    }
  }

  private func remove(_ mailbox: MailboxID, _ id: Int) {
    watchers.withLock { w in
      w[mailbox]?.removeValue(forKey: id)
      if w[mailbox]?.isEmpty == true { w[mailbox] = nil }
    }
    active.subtract(1, ordering: .relaxed)
  }
}
