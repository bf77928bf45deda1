/// The reactor's timers: a binary min-heap of waiter deadlines.
///
/// Entries are removed lazily: a waiter resumed by readiness or cancellation
/// leaves its entry behind, and the reactor skips entries whose waiter is gone.
/// `compact(keeping:)` drops them in bulk so busy connections with read
/// timeouts cannot grow the heap without bound.
struct DeadlineHeap {
  struct Entry {
    var deadline: ContinuousClock.Instant
    var fd: Int32
    var write: Bool
    var waiterID: UInt64
  }

  private(set) var entries: [Entry] = []

  var count: Int { entries.count }
  var min: Entry? { entries.first }

  mutating func push(_ e: Entry) {
    entries.append(e)
    siftUp(entries.count - 1)
  }

  @discardableResult
  mutating func popMin() -> Entry? {
    guard !entries.isEmpty else { return nil }
    let top = entries[0]
    let last = entries.removeLast()
    if !entries.isEmpty {
      entries[0] = last
      siftDown(0)
    }
    return top
  }

  /// Keeps only the entries `isLive` accepts and restores the heap order.
  mutating func compact(keeping isLive: (Entry) -> Bool) {
    entries.removeAll { !isLive($0) }
    var i = entries.count / 2
    while i > 0 {
      i -= 1
      siftDown(i)
    }
    if entries.isEmpty { entries = [] }  // give the storage back
  }

  private mutating func siftUp(_ index: Int) {
    var child = index
    while child > 0 {
      let parent = (child - 1) / 2
      if entries[child].deadline >= entries[parent].deadline { return }
      entries.swapAt(child, parent)
      child = parent
    }
  }

  private mutating func siftDown(_ index: Int) {
    var parent = index
    let n = entries.count
    while true {
      let left = 2 * parent + 1
      if left >= n { return }
      var smallest = left
      let right = left + 1
      if right < n && entries[right].deadline < entries[left].deadline { smallest = right }
      if entries[smallest].deadline >= entries[parent].deadline { return }
      entries.swapAt(parent, smallest)
      parent = smallest
    }
  }
}
