/// What one line of a header block is, decided from its first bytes (RFC 5322 §2.2, §3.6.8).
enum HeaderLine: Equatable {
  /// The empty line ending the header (CRLF, or a bare LF).
  case blank
  /// A folded continuation: starts with SP or HT.
  case continuation
  /// A new field; `nameEnd` is where the name stops, `colon` is the colon's offset.
  case field(nameEnd: Int, colon: Int)
  /// Not header syntax: the header ends and this line starts the body (as Postfix does).
  case notHeader

  /// Classifies the line `[start, end)`; `end` is just past its LF (or the end of input).
  static func classify(_ buf: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> HeaderLine {
    let first = buf[start]
    if first == ASCII.lf { return .blank }
    if first == ASCII.cr && (start + 1 == end || buf[start + 1] == ASCII.lf) {
      return start + 2 >= end ? .blank : .notHeader
    }
    if ASCII.isWSP(first) { return .continuation }
    // ftext = %d33-57 / %d59-126; obs-optional allows WSP between the name and the colon.
    var p = start
    while p < end {
      let b = buf[p]
      if b == ASCII.colon { break }
      if b < 33 || b > 126 { break }
      p += 1
    }
    let nameEnd = p
    while p < end && ASCII.isWSP(buf[p]) { p += 1 }
    guard nameEnd > start, p < end, buf[p] == ASCII.colon else { return .notHeader }
    return .field(nameEnd: nameEnd, colon: p)
  }
}

/// Offsets of one header field while a header block is being scanned.
struct FieldSpan: Equatable {
  var start: Int
  var nameEnd: Int
  var valueStart: Int
  /// End of the value: before the line break of the field's last line.
  var valueEnd: Int
  /// Just past the line break of the field's last line.
  var end: Int

  var nameRange: Range<Int> { start..<nameEnd }
  var valueRange: Range<Int> { valueStart..<valueEnd }
}

extension UnsafeRawBufferPointer {
  /// `lineEnd` minus its CRLF or LF: where the content of the line stops.
  @inline(__always) func contentEnd(lineStart: Int, lineEnd: Int) -> Int {
    var e = lineEnd
    if e > lineStart && self[e - 1] == ASCII.lf {
      e -= 1
      if e > lineStart && self[e - 1] == ASCII.cr { e -= 1 }
    }
    return e
  }
}
