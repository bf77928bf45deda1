/// When a deferred recipient is tried again, and when the queue gives up on it.
///
/// After the n-th failed attempt the next one comes `intervals[n - 1]` seconds later; the
/// last interval repeats (default 1 min, 5 min, 15 min, 30 min, then hourly). A message is
/// kept for `expiry` seconds after it was queued (default 5 days): the last attempt is made
/// at that moment, and a recipient still deferred after it fails (RFC 5321 §4.5.4.1 asks
/// for at least 4–5 days).
public struct RetrySchedule: Sendable, Hashable {
  /// Seconds between attempts, by attempt number; the last one repeats. Not empty, each > 0.
  public var intervals: [Int64]
  /// Seconds from queueing after which a temporary failure becomes final.
  public var expiry: Int64
  /// Seconds from queueing after which the sender is told about the delay once (a DSN with
  /// `Action: delayed`); nil sends no warning.
  public var delayWarning: Int64?

  public init(
    intervals: [Int64] = [60, 300, 900, 1800, 3600], expiry: Int64 = 5 * 86_400,
    delayWarning: Int64? = nil
  ) {
    precondition(!intervals.isEmpty && intervals.allSatisfy { $0 > 0 }, "retry intervals > 0")
    precondition(expiry >= 0, "expiry >= 0")
    self.intervals = intervals
    self.expiry = expiry
    self.delayWarning = delayWarning
  }

  /// What to do after a temporary failure.
  public enum Decision: Sendable, Hashable {
    /// Try again at this Unix time.
    case retry(at: Int64)
    /// The message is too old: fail the recipient.
    case expire
  }

  /// The decision after attempt number `attempt` (1 for the first) failed temporarily at
  /// `now`, for a message queued at `created`.
  public func afterTemporaryFailure(attempt: Int, created: Int64, now: Int64) -> Decision {
    let deadline = created + expiry
    if now >= deadline { return .expire }
    let index = min(max(attempt, 1), intervals.count) - 1
    // One last try exactly at the deadline rather than a retry beyond it.
    return .retry(at: min(now + intervals[index], deadline))
  }

  /// Whether an attempt at `now` is the first past the delay warning threshold, for a
  /// recipient whose state last changed at `previous` (so the warning goes out once).
  public func isDelayWarningDue(created: Int64, previous: Int64, now: Int64) -> Bool {
    guard let delayWarning else { return false }
    let threshold = created + delayWarning
    return previous < threshold && now >= threshold && now < created + expiry
  }
}
