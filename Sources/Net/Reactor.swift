internal import CLinux
import Glibc
import Synchronization

/// One thread blocked in `epoll_wait` that resumes the tasks waiting for a
/// socket to become readable or writable, or for their deadline to pass. It is
/// also a task executor (`taskExecutor`): tasks that prefer it (connection
/// sessions, see `TCPServer`) run on this thread between waits.
///
/// Sockets stay non-blocking; a task tries its system call first and only on
/// EAGAIN calls `waitReadable`/`waitWritable`, which suspends it until epoll
/// reports readiness (registrations are `EPOLLONESHOT`, re-armed per wait).
/// Deadlines live here too, in a min-heap whose earliest entry bounds the
/// `epoll_wait` timeout, so a read timeout costs no task, timer or thread.
///
/// Every waiter is resumed exactly once: by readiness, its deadline
/// (`NetError.timedOut`), cancellation (`CancellationError`), `deregister`
/// (`NetError.closed`) or `shutdown` (`NetError.reactorShutDown`).
///
/// A socket has at most one reader and one writer waiting at a time; call
/// `deregister` before closing a descriptor, since fd numbers are reused at
/// once. The reactor shuts down when `shutdown()` is called or the last
/// reference to it goes away.
public final class Reactor: Sendable {
  private let core: ReactorCore

  /// Creates the epoll instance and starts the reactor thread.
  public init() throws(SystemError) {
    core = try ReactorCore()
    try core.start()
  }

  deinit { core.shutdown() }

  /// Suspends until `fd` is readable (or has hung up or failed).
  /// - Throws: `NetError.timedOut` once `deadline` passes, `CancellationError`,
  ///   `NetError.closed` if the fd is deregistered, `NetError.reactorShutDown`,
  ///   `NetError.concurrentWait` if another task already waits to read `fd`.
  public func waitReadable(_ fd: Int32, deadline: ContinuousClock.Instant? = nil) async throws {
    try await core.wait(fd, write: false, deadline: deadline)
  }

  /// Suspends until `fd` is writable (or has hung up or failed); see `waitReadable`.
  public func waitWritable(_ fd: Int32, deadline: ContinuousClock.Instant? = nil) async throws {
    try await core.wait(fd, write: true, deadline: deadline)
  }

  /// Removes `fd` from epoll and fails its waiters with `NetError.closed`.
  /// Call it before `close(fd)`.
  public func deregister(_ fd: Int32) {
    core.deregister(fd)
  }

  /// Stops the reactor thread and fails every waiter with
  /// `NetError.reactorShutDown`; later waits fail the same way. Idempotent.
  public func shutdown() {
    core.shutdown()
  }

  /// The reactor's thread as a task executor. Connection tasks run on it
  /// (`TCPServer` gives them this preference), so a task woken by readiness
  /// runs on the thread that saw the event: no hand-over to another thread
  /// and back for every command of a session. Like the cooperative pool, it
  /// must never block; jobs enqueued after shutdown go to the global executor.
  public var taskExecutor: any TaskExecutor { core }

  /// Whether `shutdown()` has been called.
  public var isShutDown: Bool { core.isShutDown }

  /// Whether the caller runs on the reactor's thread (tests check where tasks run).
  var isCurrentThread: Bool {
    core.state.withLock { s in s.thread.map { pthread_equal($0, pthread_self()) != 0 } ?? false }
  }

  /// How many descriptors currently have a waiting task (for tests and metrics).
  public var waitingCount: Int { core.waitingCount }

  /// Timer entries held, live or stale (for tests of heap compaction).
  var timerCount: Int { core.state.withLock { $0.timers.count } }

  /// A process-unique connection number for log lines (`conn=`).
  public func nextConnectionID() -> UInt64 {
    core.connectionIDs.wrappingAdd(1, ordering: .relaxed).oldValue
  }
}

/// The reactor's state and thread body. Separate from `Reactor` so that the
/// thread can retain it while `Reactor`'s deinit still runs when users let go.
private final class ReactorCore: TaskExecutor, Sendable {
  struct Waiter {
    let id: UInt64
    let continuation: UnsafeContinuation<Void, any Error>
    let hasDeadline: Bool
  }

  struct Entry {
    var reader: Waiter?
    var writer: Waiter?
    var registered = false

    /// The epoll mask for whoever waits now; 0 if nobody does. RDHUP only
    /// with a reader: a half-closed peer must not keep waking a lone writer.
    var interest: UInt32 {
      var mask: UInt32 = 0
      if reader != nil { mask |= Epoll.input | Epoll.readHangUp }
      if writer != nil { mask |= Epoll.output }
      return mask == 0 ? 0 : mask | Epoll.oneShot
    }
  }

  /// What the reactor thread is doing, so a new earlier deadline knows
  /// whether it must wake the thread to shorten its sleep.
  enum Sleep {
    case awake
    case until(ContinuousClock.Instant)
  }

  struct State {
    var entries: [Int32: Entry] = [:]
    var timers = DeadlineHeap()
    var liveTimers = 0
    var sleep = Sleep.awake
    var running = true
    var thread: pthread_t?
    /// Jobs of tasks that prefer this reactor as their executor, run by its thread.
    var jobs: [UnownedJob] = []

    mutating func take(_ fd: Int32, write: Bool, id: UInt64?) -> Waiter? {
      guard var e = entries[fd] else { return nil }
      let w = write ? e.writer : e.reader
      guard let w, id == nil || w.id == id else { return nil }
      if write { e.writer = nil } else { e.reader = nil }
      entries[fd] = e
      if w.hasDeadline { liveTimers -= 1 }
      return w
    }

    func isLive(_ t: DeadlineHeap.Entry) -> Bool {
      guard let e = entries[t.fd] else { return false }
      return (t.write ? e.writer : e.reader)?.id == t.waiterID
    }
  }

  typealias Resume = (UnsafeContinuation<Void, any Error>, (any Error)?)

  /// The longest the thread sleeps in `epoll_wait` when no earlier deadline is due.
  static let idleWake = Duration.seconds(1)

  let epfd: Int32
  let wakeFD: Int32
  let state = Mutex(State())
  let waiterIDs = Atomic<UInt64>(1)
  let connectionIDs = Atomic<UInt64>(1)

  init() throws(SystemError) {
    epfd = try Epoll.create()
    do {
      wakeFD = try EventFD.create()
      try Epoll.control(epfd, .add, wakeFD, events: Epoll.input)
    } catch {
      Syscall.close(epfd)
      throw error
    }
  }

  deinit {
    Syscall.close(wakeFD)
    Syscall.close(epfd)
  }

  func start() throws(SystemError) {
    var tid = pthread_t()
    let context = Unmanaged.passRetained(self).toOpaque()
    let r = pthread_create(
      &tid, nil,
      { arg in
        let core = Unmanaged<ReactorCore>.fromOpaque(arg!).takeRetainedValue()
        core.runLoop()
        return nil
      }, context)
    if r != 0 {
      Unmanaged<ReactorCore>.fromOpaque(context).release()
      throw SystemError(call: "pthread_create", errno: r)
    }
    state.withLock { $0.thread = tid }
  }

  var isShutDown: Bool { state.withLock { !$0.running } }

  var waitingCount: Int {
    state.withLock { s in s.entries.values.count { $0.reader != nil || $0.writer != nil } }
  }

  func shutdown() {
    let thread: pthread_t? = state.withLock { s in
      guard s.running else { return nil }
      s.running = false
      defer { s.thread = nil }
      return s.thread
    }
    guard let thread else { return }
    EventFD.signal(wakeFD)
    if pthread_equal(thread, pthread_self()) != 0 {
      pthread_detach(thread)
    } else {
      pthread_join(thread, nil)
    }
  }

  // MARK: - Executing

  func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    let (accepted, wake) = state.withLock { s -> (Bool, Bool) in
      guard s.running else { return (false, false) }
      s.jobs.append(job)
      guard case .until = s.sleep else { return (true, false) }
      s.sleep = .awake
      return (true, true)
    }
    if !accepted {
      globalConcurrentExecutor.enqueue(ExecutorJob(job))
      return
    }
    if wake { EventFD.signal(wakeFD) }
  }

  /// Runs the jobs queued so far (not those they queue: those wait for the next
  /// turn of the loop, so a busy task cannot starve epoll).
  private func runJobs() {
    let batch = state.withLock { s -> [UnownedJob] in
      let batch = s.jobs
      s.jobs = []
      return batch
    }
    for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
  }

  // MARK: - Waiting

  func wait(_ fd: Int32, write: Bool, deadline: ContinuousClock.Instant?) async throws {
    let id = waiterIDs.wrappingAdd(1, ordering: .relaxed).oldValue
    try await withTaskCancellationHandler {
      // Unsafe: exactly-once resume is this type's invariant (pitfall 10, covered by the
      // tests); the checked variant cost an allocation on every wait.
      try await withUnsafeThrowingContinuation { (c: UnsafeContinuation<Void, any Error>) in
        let (failure, wake) = register(fd, write: write, deadline: deadline, id: id, c)
        if let failure { c.resume(throwing: failure) }
        if wake { EventFD.signal(wakeFD) }
      }
    } onCancel: {
      // Under the lock, so this and `register` agree on who resumes (pitfall 10).
      let w = state.withLock { $0.take(fd, write: write, id: id) }
      w?.continuation.resume(throwing: CancellationError())
    }
  }

  /// Stores the waiter and arms epoll; returns an error to resume with at
  /// once, and whether the thread must wake to honour an earlier deadline.
  private func register(
    _ fd: Int32, write: Bool, deadline: ContinuousClock.Instant?, id: UInt64,
    _ c: UnsafeContinuation<Void, any Error>
  ) -> ((any Error)?, Bool) {
    state.withLock { s -> ((any Error)?, Bool) in
      guard s.running else { return (NetError.reactorShutDown, false) }
      if Task.isCancelled { return (CancellationError(), false) }
      if let deadline, deadline <= .now { return (NetError.timedOut, false) }
      var e = s.entries[fd] ?? Entry()
      if (write ? e.writer : e.reader) != nil {
        return (NetError.concurrentWait(fd: fd, write: write), false)
      }
      let w = Waiter(id: id, continuation: c, hasDeadline: deadline != nil)
      if write { e.writer = w } else { e.reader = w }
      do {
        try arm(fd, &e)
      } catch {
        if write { e.writer = nil } else { e.reader = nil }
        s.entries[fd] = e.registered ? e : nil
        return (error, false)
      }
      s.entries[fd] = e
      guard let deadline else { return (nil, false) }
      s.liveTimers += 1
      s.timers.push(.init(deadline: deadline, fd: fd, write: write, waiterID: id))
      if s.timers.count > 64 && s.timers.count > 2 * s.liveTimers {
        let live = s
        s.timers.compact(keeping: live.isLive)
      }
      switch s.sleep {
      case .until(let t) where deadline < t:
        s.sleep = .awake
        return (nil, true)
      default:
        return (nil, false)
      }
    }
  }

  /// Sets the epoll mask of `fd` to `e.interest`, adding it if needed.
  /// EEXIST/ENOENT mean our bookkeeping and the kernel disagree (an fd closed
  /// without deregistering): trust the kernel and retry the other operation.
  private func arm(_ fd: Int32, _ e: inout Entry) throws(SystemError) {
    let mask = e.interest
    guard mask != 0 else { return }
    do {
      try Epoll.control(epfd, e.registered ? .modify : .add, fd, events: mask)
    } catch  where error.errno == EEXIST || error.errno == ENOENT {
      try Epoll.control(epfd, e.registered ? .add : .modify, fd, events: mask)
    }
    e.registered = true
  }

  func deregister(_ fd: Int32) {
    let waiters = state.withLock { s -> [Waiter] in
      guard let e = s.entries.removeValue(forKey: fd) else { return [] }
      if e.registered { try? Epoll.control(epfd, .delete, fd, events: 0) }
      let ws = [e.reader, e.writer].compactMap { $0 }
      s.liveTimers -= ws.count { $0.hasDeadline }
      return ws
    }
    for w in waiters { w.continuation.resume(throwing: NetError.closed) }
  }

  // MARK: - The reactor thread

  func runLoop() {
    let capacity: Int32 = 256
    let fds = UnsafeMutablePointer<Int32>.allocate(capacity: Int(capacity))
    let bits = UnsafeMutablePointer<UInt32>.allocate(capacity: Int(capacity))
    defer {
      fds.deallocate()
      bits.deallocate()
    }
    var resumes: [Resume] = []
    while true {
      let timeout: Int32? = state.withLock { s in
        guard s.running else { return nil }
        if !s.jobs.isEmpty {
          s.sleep = .awake
          return 0
        }
        while let top = s.timers.min, !s.isLive(top) { s.timers.popMin() }
        // Never sleep without a bound: with no deadline pending, a waiter that brings one
        // would have to wake the thread through the eventfd (two extra context switches
        // on every read of a lone connection). Waking once a second instead lets any
        // deadline at least that far off register silently.
        let cap = ContinuousClock.now + Self.idleWake
        let next = min(s.timers.min?.deadline ?? cap, cap)
        s.sleep = .until(next)
        return Self.milliseconds(until: next)
      }
      guard let timeout else { break }
      let n: Int
      do {
        n = try Epoll.wait(epfd, fds: fds, events: bits, max: capacity, timeoutMs: timeout)
      } catch {
        // Only EBADF/EFAULT/EINVAL are possible, each a bug here.
        fatalError("reactor: \(error)")
      }
      state.withLock { s in
        s.sleep = .awake
        for i in 0..<n {
          if fds[i] == wakeFD {
            EventFD.drain(wakeFD)
          } else {
            ready(fds[i], bits[i], &s, &resumes)
          }
        }
        expireTimers(&s, &resumes)
      }
      for (c, error) in resumes {
        if let error { c.resume(throwing: error) } else { c.resume() }
      }
      resumes.removeAll(keepingCapacity: true)
      runJobs()
    }
    let all = state.withLock { s -> [Waiter] in
      let ws = s.entries.values.flatMap { [$0.reader, $0.writer].compactMap { $0 } }
      s.entries = [:]
      s.timers = DeadlineHeap()
      s.liveTimers = 0
      return ws
    }
    for w in all { w.continuation.resume(throwing: NetError.reactorShutDown) }
    // Jobs still queued (or queued by the resumes above) go on elsewhere.
    let left = state.withLock { s -> [UnownedJob] in
      let left = s.jobs
      s.jobs = []
      return left
    }
    for job in left { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
  }

  /// Resumes the waiters an event is for. ERR and HUP wake both directions;
  /// ONESHOT has disarmed the fd, so it is re-armed for whoever still waits.
  private func ready(_ fd: Int32, _ events: UInt32, _ s: inout State, _ out: inout [Resume]) {
    guard var e = s.entries[fd] else { return }
    let failed = events & (Epoll.error | Epoll.hangUp) != 0
    if failed || events & (Epoll.input | Epoll.readHangUp) != 0, let r = e.reader {
      e.reader = nil
      if r.hasDeadline { s.liveTimers -= 1 }
      out.append((r.continuation, nil))
    }
    if failed || events & Epoll.output != 0, let w = e.writer {
      e.writer = nil
      if w.hasDeadline { s.liveTimers -= 1 }
      out.append((w.continuation, nil))
    }
    do {
      try arm(fd, &e)
    } catch {
      for w in [e.reader, e.writer].compactMap({ $0 }) {
        if w.hasDeadline { s.liveTimers -= 1 }
        out.append((w.continuation, error))
      }
      e.reader = nil
      e.writer = nil
    }
    s.entries[fd] = e
  }

  private func expireTimers(_ s: inout State, _ out: inout [Resume]) {
    let now = ContinuousClock.now
    while let top = s.timers.min, top.deadline <= now {
      s.timers.popMin()
      if let w = s.take(top.fd, write: top.write, id: top.waiterID) {
        out.append((w.continuation, NetError.timedOut))
      }
    }
  }

  /// epoll_wait's timeout for `deadline`, rounded up so the thread never
  /// wakes just before a deadline and spins.
  static func milliseconds(until deadline: ContinuousClock.Instant) -> Int32 {
    let d = deadline - .now
    if d <= .zero { return 0 }
    let (seconds, attoseconds) = d.components
    let ms = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
    return Int32(clamping: ms)
  }
}
