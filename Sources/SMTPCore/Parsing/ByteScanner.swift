/// A cursor over one command or reply line: the parse buffer the grammar functions consume.
/// On failure a parser leaves the index wherever it stopped; callers that try alternatives save
/// and restore `index` themselves.
struct ByteScanner {
  let bytes: [UInt8]
  var index: Int

  init(_ bytes: [UInt8], index: Int = 0) {
    self.bytes = bytes
    self.index = index
  }

  var isAtEnd: Bool { index >= bytes.count }
  var remaining: ArraySlice<UInt8> { bytes[index...] }

  func peek(offset: Int = 0) -> UInt8? {
    let i = index + offset
    return i < bytes.count ? bytes[i] : nil
  }

  mutating func take(_ byte: UInt8) -> Bool {
    guard peek() == byte else { return false }
    index += 1
    return true
  }

  /// Consumes `word` (given in upper case) when the input starts with it in any case.
  mutating func take(caseInsensitive word: StaticString) -> Bool {
    let n = word.utf8CodeUnitCount
    guard bytes.count - index >= n,
      ASCII.equalsIgnoringCase(bytes[index..<index + n], word)
    else { return false }
    index += n
    return true
  }

  /// Consumes the longest run of bytes matching `predicate`.
  @discardableResult
  mutating func take(while predicate: (UInt8) -> Bool) -> ArraySlice<UInt8> {
    let start = index
    while index < bytes.count, predicate(bytes[index]) { index += 1 }
    return bytes[start..<index]
  }

  /// Consumes one or more spaces; false when there is none.
  mutating func takeSpaces() -> Bool {
    !take(while: { $0 == ASCII.space }).isEmpty
  }
}
