import Glibc

/// A body's size in canonical form (RFC 5322 §2.1 line endings): the stored octets, plus a
/// CR for each LF that lacks one, plus a CRLF after an unterminated last line. It is what
/// POP3 RETR sends before byte-stuffing (and what Dovecot calls the virtual size), counted
/// while the body is written so nobody has to read it again to know.
///
/// A CR not followed by LF is content and counts as itself. The count does not depend on
/// how the body is split into chunks.
struct CanonicalSize {
  private var stored: Int64 = 0
  private var bareLFs: Int64 = 0
  private var last: UInt8?

  /// Counts the next chunk.
  mutating func count(_ chunk: UnsafeRawBufferPointer) {
    guard let base = chunk.baseAddress, let final = chunk.last else { return }
    // memchr from LF to LF: a 20 MB body is counted at memory speed on the writer thread.
    var i = 0
    while i < chunk.count, let hit = memchr(base + i, 0x0A, chunk.count - i) {
      let lf = base.distance(to: UnsafeRawPointer(hit))
      let previous = lf == 0 ? (last ?? 0) : chunk[lf - 1]
      if previous != 0x0D { bareLFs += 1 }
      i = lf + 1
    }
    stored += Int64(chunk.count)
    last = final
  }

  /// The canonical size of everything counted.
  var octets: Int64 {
    let unterminated = last != nil && last != 0x0A
    return stored + bareLFs + (unterminated ? 2 : 0)
  }
}
