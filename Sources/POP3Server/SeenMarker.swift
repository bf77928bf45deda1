import Log
import Storage
import Synchronization

/// Sets `\Seen` on retrieved messages (RETR, not TOP) without making each RETR wait for a
/// durable write: UIDs are queued and one background task writes them, taking everything
/// queued each time it comes round. The task lets UIDs gather for `gatherDelay` (or until
/// `batchLimit` are queued) before each commit: a RETR takes a fraction of a commit's
/// time, so without the wait nearly every RETR paid for its own commit and the writer
/// thread's wake-ups. An IMAP client sees the flag within `gatherDelay` plus one commit.
///
/// `finish()` cuts the wait short and returns once everything queued is written; the
/// session calls it at its end, however it ends, so a dropped connection keeps its
/// `\Seen`s too.
final class SeenMarker: Sendable {
  /// How long queued UIDs wait for company before they are written.
  static let gatherDelay = Duration.milliseconds(50)
  /// Queued UIDs that are written without waiting out `gatherDelay`.
  static let batchLimit = 1024

  private struct State {
    var pending: [UInt32] = []
    var task: Task<Void, Never>?
  }

  private let store: MailStore
  private let mailbox: MailboxID
  private let logger: Logger
  private let state = Mutex(State())

  init(store: MailStore, mailbox: MailboxID, logger: Logger) {
    self.store = store
    self.mailbox = mailbox
    self.logger = logger
  }

  /// Queues `uid` for `\Seen` and makes sure a writer is running.
  func mark(_ uid: UInt32) {
    state.withLock { s in
      s.pending.append(uid)
      if s.task == nil {
        s.task = Task { await self.drain() }
      }
    }
  }

  /// Returns once every queued UID is written (or its write failed and was logged).
  func finish() async {
    while let task = state.withLock({ $0.task }) {
      // Cancelling ends the writer's gather wait; store writes run to completion anyway.
      task.cancel()
      await task.value
    }
  }

  /// Writes batches until nothing is queued, then clears `task` under the same lock that
  /// `mark` checks, so a UID queued meanwhile always finds a writer.
  private func drain() async {
    while true {
      if state.withLock({ $0.pending.count }) < Self.batchLimit {
        try? await Task.sleep(for: Self.gatherDelay)
      }
      let batch = state.withLock { s -> [UInt32] in
        let batch = s.pending
        s.pending = []
        if batch.isEmpty { s.task = nil }
        return batch
      }
      if batch.isEmpty { return }
      do {
        // UIDs expunged meanwhile (over IMAP) are skipped by the store.
        _ = try await store.storeFlags(in: mailbox, uids: batch, .add, flags: .seen)
      } catch {
        logger.warning("pop3-seen-failed", ("messages", "\(batch.count)"), ("error", "\(error)"))
      }
    }
  }
}
