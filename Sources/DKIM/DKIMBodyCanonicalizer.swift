/// Canonicalises a message body piece by piece (RFC 6376 §3.4.3, §3.4.4).
///
/// Feed the body in chunks of any size with ``canonicalize(_:into:)``, then call
/// ``finish(into:)`` once. The output is the same however the body is split. State carried
/// between chunks is a few counters: trailing empty lines are held back as a count, not as
/// bytes, so memory stays constant whatever the body holds.
///
/// Line ends are read as the SMTP client sends them: CRLF, and also a bare CR or bare LF,
/// each of which becomes CRLF on the wire.
public struct DKIMBodyCanonicalizer: Sendable {
  /// The algorithm this canonicaliser applies.
  public let canonicalization: DKIMCanonicalization
  /// Line breaks not yet written: the one ending the last line with content plus any empty
  /// lines after it. Written when more content follows; at the end only one survives.
  private var pendingLineBreaks = 0
  /// Relaxed: whitespace seen in the current line and not yet written as one SP.
  private var pendingSpace = false
  /// A CR ended the last chunk; the next byte decides whether it was CRLF or a bare CR.
  private var pendingCR = false
  /// Whether any content has been written (to tell an empty body from a non-empty one).
  private var wroteContent = false
  private var finished = false

  /// A canonicaliser for `canonicalization`.
  public init(_ canonicalization: DKIMCanonicalization) {
    self.canonicalization = canonicalization
  }

  /// Appends the canonical form of `chunk` (so far as it is decided) to `out`.
  public mutating func canonicalize(_ chunk: UnsafeRawBufferPointer, into out: inout [UInt8]) {
    precondition(!finished, "DKIMBodyCanonicalizer.canonicalize after finish")
    let n = chunk.count
    guard n > 0 else { return }
    let relaxed = canonicalization == .relaxed
    var i = 0
    if pendingCR {
      pendingCR = false
      lineBreak()
      if chunk[0] == Byte.lf { i = 1 }
    }
    while i < n {
      let b = chunk[i]
      if b == Byte.cr {
        if i + 1 < n {
          lineBreak()
          i += chunk[i + 1] == Byte.lf ? 2 : 1
        } else {
          pendingCR = true
          i += 1
        }
        continue
      }
      if b == Byte.lf {
        lineBreak()
        i += 1
        continue
      }
      if relaxed && Byte.isWSP(b) {
        pendingSpace = true
        i += 1
        continue
      }
      // A run of ordinary bytes goes out in one copy.
      let start = i
      i += 1
      while i < n {
        let c = chunk[i]
        if c == Byte.cr || c == Byte.lf || (relaxed && Byte.isWSP(c)) { break }
        i += 1
      }
      writeContent(UnsafeRawBufferPointer(rebasing: chunk[start..<i]), into: &out)
    }
  }

  /// Canonicalises an array chunk (see the buffer variant).
  public mutating func canonicalize(_ chunk: [UInt8], into out: inout [UInt8]) {
    chunk.withUnsafeBytes { canonicalize($0, into: &out) }
  }

  /// Ends the body: writes the final CRLF where the algorithm wants one. Call once.
  public mutating func finish(into out: inout [UInt8]) {
    precondition(!finished, "DKIMBodyCanonicalizer.finish twice")
    finished = true
    if pendingCR {
      pendingCR = false
      lineBreak()
    }
    // Trailing empty lines are dropped (§3.4.3, §3.4.4); a non-empty last line gets its CRLF.
    // An empty body is CRLF under simple and nothing under relaxed (§3.4.3, §3.4.4).
    if wroteContent || canonicalization == .simple {
      out.append(Byte.cr)
      out.append(Byte.lf)
    }
  }

  private mutating func lineBreak() {
    // Relaxed: whitespace at the end of a line is dropped.
    pendingSpace = false
    pendingLineBreaks += 1
  }

  private mutating func writeContent(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
    while pendingLineBreaks > 0 {
      out.append(Byte.cr)
      out.append(Byte.lf)
      pendingLineBreaks -= 1
    }
    if pendingSpace {
      out.append(Byte.space)
      pendingSpace = false
    }
    bytes.withMemoryRebound(to: UInt8.self) { out.append(contentsOf: $0) }
    wroteContent = true
  }
}
