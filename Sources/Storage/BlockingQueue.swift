import Glibc

/// A FIFO handed from async callers to the store's own threads, which block on it.
///
/// The Swift cooperative pool never waits here: producers only lock, append and signal.
/// Consumers are the writer thread (taking whole batches) and the reader threads.
final class BlockingQueue<Element: Sendable>: @unchecked Sendable {
  // @unchecked: every field below is guarded by the pthread mutex, a thread-safe C object.
  private let mutex: UnsafeMutablePointer<pthread_mutex_t>
  private let cond: UnsafeMutablePointer<pthread_cond_t>
  private var items: [Element] = []
  private var head = 0
  private var closed = false
  /// A consumer gathering a batch wants a wake-up only once this many items wait.
  private var wanted = 1

  init() {
    mutex = .allocate(capacity: 1)
    cond = .allocate(capacity: 1)
    pthread_mutex_init(mutex, nil)
    // Timed waits measure a monotonic clock, immune to wall-clock jumps.
    var attr = pthread_condattr_t()
    pthread_condattr_init(&attr)
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
    pthread_cond_init(cond, &attr)
    pthread_condattr_destroy(&attr)
  }

  deinit {
    pthread_cond_destroy(cond)
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
    cond.deallocate()
  }

  /// Appends `item`; returns false (and drops it) once the queue is closed.
  func push(_ item: Element) -> Bool {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    if closed { return false }
    items.append(item)
    let waiting = items.count - head
    if waiting == 1 || waiting >= wanted { pthread_cond_signal(cond) }
    return true
  }

  /// Puts items back at the front (in order), e.g. jobs whose transaction was lost.
  func pushFront(_ front: [Element]) {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    items = front + items[head...]
    head = 0
    pthread_cond_broadcast(cond)
  }

  /// Blocks until an item is there; nil once closed and drained.
  func pop() -> Element? {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    while head == items.count && !closed { pthread_cond_wait(cond, mutex) }
    if head == items.count { return nil }
    let item = items[head]
    head += 1
    compact()
    return item
  }

  /// Blocks until at least one item is there; then, if fewer than `gather` wait, keeps
  /// waiting up to `window` nanoseconds for that many; then takes up to `max` of them.
  /// Empty once closed and drained. `timedOut` tells whether the window ran out
  /// before `gather` items came.
  func popBatch(max: Int, gather: Int = 1, window: Int = 0) -> [Element] {
    popBatchReportingWait(max: max, gather: gather, window: window).batch
  }

  /// `popBatch`, also saying whether a gathering wait ran out.
  func popBatchReportingWait(max: Int, gather: Int = 1, window: Int = 0)
    -> (batch: [Element], timedOut: Bool)
  {
    var timedOut = false
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    while head == items.count && !closed { pthread_cond_wait(cond, mutex) }
    if gather > 1 && window > 0 && items.count - head < gather && !closed {
      var deadline = Self.deadline(afterNanoseconds: window)
      wanted = gather
      while items.count - head < gather && !closed {
        if pthread_cond_timedwait(cond, mutex, &deadline) == ETIMEDOUT {
          timedOut = items.count - head < gather
          break
        }
      }
      wanted = 1
    }
    let end = min(items.count, head + max)
    let batch = Array(items[head..<end])
    head = end
    compact()
    return (batch, timedOut)
  }

  /// Waits up to `nanoseconds` for an item; true as soon as one is there (or the queue
  /// is closed), false if none came in time.
  func waitForItems(nanoseconds: Int) -> Bool {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    var deadline = Self.deadline(afterNanoseconds: nanoseconds)
    while head == items.count && !closed {
      if pthread_cond_timedwait(cond, mutex, &deadline) == ETIMEDOUT {
        return head != items.count || closed
      }
    }
    return true
  }

  /// `nanoseconds` from now on the monotonic clock, the condition variable's clock.
  private static func deadline(afterNanoseconds nanoseconds: Int) -> timespec {
    var deadline = timespec()
    clock_gettime(CLOCK_MONOTONIC, &deadline)
    let ns = deadline.tv_nsec + nanoseconds
    deadline.tv_sec += ns / 1_000_000_000
    deadline.tv_nsec = ns % 1_000_000_000
    return deadline
  }

  /// Items waiting right now.
  var count: Int {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return items.count - head
  }

  /// Refuses new items and wakes every consumer; queued items are still handed out.
  func close() {
    pthread_mutex_lock(mutex)
    closed = true
    pthread_cond_broadcast(cond)
    pthread_mutex_unlock(mutex)
  }

  private func compact() {
    if head == items.count {
      items.removeAll(keepingCapacity: items.count < 4096)
      head = 0
    } else if head > 1024 && head * 2 > items.count {
      items.removeFirst(head)
      head = 0
    }
  }
}
