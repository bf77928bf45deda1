/// The size of a message as STAT, LIST and the RETR `+OK` line report it: the octets RETR
/// sends before byte-stuffing, without the terminating `.` line (RFC 1939 §5, §7).
///
/// That is the stored size plus one CR per LF that lacks one, plus the CRLF that
/// `POP3ByteStuffer` adds after an unterminated last line. Fed in chunks, so a 20 MB
/// message (or one streamed in at delivery) never needs to be in memory at once; the
/// result does not depend on the chunking.
public struct POP3MessageSize: Sendable, Hashable {
  /// Octets fed so far.
  public private(set) var storedOctets = 0
  private var bareLFs = 0
  private var lastByte: UInt8?

  /// An empty count.
  public init() {}

  /// Counts the next chunk of the stored message.
  public mutating func append(_ chunk: some Collection<UInt8>) {
    let done: Void? = chunk.withContiguousStorageIfAvailable { count($0) }
    if done == nil { Array(chunk).withUnsafeBufferPointer { count($0) } }
  }

  /// The octet count RETR will send for what was fed, before byte-stuffing.
  public var octets: Int {
    let unterminated = lastByte != nil && lastByte != ASCII.lf
    return storedOctets + bareLFs + (unterminated ? 2 : 0)
  }

  /// The RETR size of a message in memory.
  public static func octets(of message: some Collection<UInt8>) -> Int {
    var size = POP3MessageSize()
    size.append(message)
    return size.octets
  }

  private mutating func count(_ input: UnsafeBufferPointer<UInt8>) {
    guard let last = input.last else { return }
    var previous = lastByte ?? 0
    var lfs = 0
    for byte in input {
      if byte == ASCII.lf && previous != ASCII.cr { lfs += 1 }
      previous = byte
    }
    bareLFs += lfs
    storedOctets += input.count
    lastByte = last
  }
}
