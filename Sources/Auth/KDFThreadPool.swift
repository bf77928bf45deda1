import Dispatch
import Foundation
import Synchronization

/// A few dedicated threads for key derivation, reached through async functions.
///
/// PBKDF2 at the default count takes about 0.1 s of CPU. On the cooperative pool (two
/// threads here) two concurrent logins would stall every connection for that long; on
/// these threads they only queue behind each other. The queue is bounded so a flood of
/// logins fails fast (`AuthError.kdfOverloaded`) instead of growing without limit.
final class KDFThreadPool: Sendable {
  /// A job receives `true` when the pool stopped before it could run.
  typealias Job = @Sendable (_ stopped: Bool) -> Void

  private struct Queue {
    var jobs: [Job] = []
    var stopped = false
  }

  /// What the threads share with the pool; the threads hold this, not the pool, so
  /// dropping the last reference to the pool stops them.
  private final class Shared: Sendable {
    let queue = Mutex(Queue())
    /// The pool's threads, so tests can check where work ran.
    let threads = Mutex(Set<pthread_t>())
    /// Counts queued jobs, plus one per thread when stopping.
    let wakeups = DispatchSemaphore(value: 0)
  }

  private let shared = Shared()
  private let threadCount: Int
  private let maxQueued: Int

  /// Starts `threads` threads named `posta-kdf-N`; at most `maxQueued` jobs wait.
  init(threads: Int, maxQueued: Int) {
    precondition(threads >= 1 && maxQueued >= 1, "a KDF pool needs a thread and a queue")
    self.threadCount = threads
    self.maxQueued = maxQueued
    for index in 0..<threads {
      let shared = self.shared
      let thread = Thread {
        // Named from inside: on Linux a name set before start() is not applied.
        Thread.current.name = "posta-kdf-\(index)"
        _ = shared.threads.withLock { $0.insert(pthread_self()) }
        Self.work(shared)
      }
      thread.start()
    }
  }

  deinit { stop() }

  private static func work(_ shared: Shared) {
    while true {
      shared.wakeups.wait()
      let next = shared.queue.withLock { q -> (job: Job?, stop: Bool) in
        if q.jobs.isEmpty { return (nil, q.stopped) }
        return (q.jobs.removeFirst(), false)
      }
      if next.stop { return }
      next.job?(false)
    }
  }

  /// Whether the caller is running on one of the pool's threads.
  func isPoolThread() -> Bool {
    let me = pthread_self()
    return shared.threads.withLock { $0.contains(me) }
  }

  /// Runs `work` on a pool thread and returns its result.
  func run<T: Sendable>(
    _ work: @escaping @Sendable () throws(AuthError) -> T
  ) async throws(AuthError) -> T {
    let result: Result<T, AuthError> = await withCheckedContinuation { continuation in
      let job: Job = { stopped in
        if stopped { return continuation.resume(returning: .failure(.kdfStopped)) }
        let outcome: Result<T, AuthError>
        do throws(AuthError) {
          outcome = .success(try work())
        } catch {
          outcome = .failure(error)
        }
        continuation.resume(returning: outcome)
      }
      let refusal = shared.queue.withLock { q -> AuthError? in
        if q.stopped { return .kdfStopped }
        if q.jobs.count >= maxQueued { return .kdfOverloaded(queued: q.jobs.count) }
        q.jobs.append(job)
        return nil
      }
      if let refusal {
        continuation.resume(returning: .failure(refusal))
      } else {
        shared.wakeups.signal()
      }
    }
    return try result.get()
  }

  /// Stops the threads after the jobs already running; queued jobs fail with `kdfStopped`.
  func stop() {
    let abandoned = shared.queue.withLock { q -> [Job]? in
      if q.stopped { return nil }
      q.stopped = true
      defer { q.jobs = [] }
      return q.jobs
    }
    guard let abandoned else { return }
    for job in abandoned { job(true) }
    for _ in 0..<threadCount { shared.wakeups.signal() }
  }
}
