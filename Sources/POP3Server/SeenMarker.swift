import Log
import Storage
import Synchronization

/// Sets `\Seen` on retrieved messages (RETR, not TOP) without making each RETR wait for a
/// durable write: UIDs are queued and one background task writes them, taking everything
/// queued each time it comes round. While one commit is in flight the next RETRs gather,
/// so a client downloading 10,000 messages costs a few hundred commits, not 10,000, and
/// an IMAP client still sees the flag within one commit of the download.
///
/// `finish()` waits until everything queued is written; the session calls it at its end,
/// however it ends, so a dropped connection keeps its `\Seen`s too.
final class SeenMarker: Sendable {
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
      await task.value
    }
  }

  /// Writes batches until nothing is queued, then clears `task` under the same lock that
  /// `mark` checks, so a UID queued meanwhile always finds a writer.
  private func drain() async {
    while true {
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
