extension Sequence<UInt8> {
  /// Runs `body` over the bytes as one contiguous buffer, copying only when the
  /// sequence has no contiguous storage. The pointer is never nil, so it can go
  /// straight to C functions that reject NULL even for zero lengths.
  func withByteBuffer<R>(_ body: (UnsafePointer<UInt8>, Int) -> R) -> R {
    func call(_ buf: UnsafeBufferPointer<UInt8>) -> R {
      if let base = buf.baseAddress { return body(base, buf.count) }
      var zero: UInt8 = 0
      return withUnsafePointer(to: &zero) { body($0, 0) }
    }
    if let r = withContiguousStorageIfAvailable(call) { return r }
    return Array(self).withUnsafeBufferPointer(call)
  }
}

extension Array where Element == UInt8 {
  /// An array of `count` bytes filled by `fill`, which returns how many it wrote
  /// (or nil on failure).
  static func filled(count: Int, _ fill: (UnsafeMutablePointer<UInt8>) -> Int?) -> [UInt8]? {
    var ok = true
    let a = [UInt8](unsafeUninitializedCapacity: Swift.max(count, 1)) { buf, n in
      if let w = fill(buf.baseAddress!), w >= 0, w <= Swift.max(count, 1) {
        n = w
      } else {
        ok = false
        n = 0
      }
    }
    return ok ? a : nil
  }
}
