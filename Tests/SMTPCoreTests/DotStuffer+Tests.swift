import SMTPCore
import Testing

@Suite struct DotStufferTests {
  /// (message, wire after DATA's 354)
  static let encodings: [(String, String)] = [
    ("", ".\r\n"),
    ("Hi\r\n", "Hi\r\n.\r\n"),
    ("Hi", "Hi\r\n.\r\n"),
    (".", "..\r\n.\r\n"),
    (".\r\n", "..\r\n.\r\n"),
    ("a\r\n.b\r\n..c\r\n", "a\r\n..b\r\n...c\r\n.\r\n"),
    ("a.b\r\n", "a.b\r\n.\r\n"),
    ("a\nb\n", "a\r\nb\r\n.\r\n"),
    ("a\n.\nb", "a\r\n..\r\nb\r\n.\r\n"),
    ("a\r.\rb", "a\r\n..\r\nb\r\n.\r\n"),
    ("a\n.\r\n", "a\r\n..\r\n.\r\n"),
    ("a\r", "a\r\n.\r\n"),
    ("a\r\r\n", "a\r\n\r\n.\r\n"),
  ]

  @Test(arguments: encodings)
  func encodes(message: String, wire: String) {
    #expect(DotStuffer.encode(bytes(message)) == bytes(wire))
    // Streaming: byte by byte gives the same bytes.
    var stuffer = DotStuffer()
    var out: [UInt8] = []
    for b in bytes(message) { stuffer.encode([b], into: &out) }
    stuffer.finish(into: &out)
    #expect(out == bytes(wire))
  }

  /// What DataDecoder gives back for a stuffed message: line ends made CRLF, a final CRLF.
  func normalised(_ message: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    var i = 0
    while i < message.count {
      let b = message[i]
      if b == 13 {
        out += [13, 10]
        if i + 1 < message.count && message[i + 1] == 10 { i += 1 }
      } else if b == 10 {
        out += [13, 10]
      } else {
        out.append(b)
      }
      i += 1
    }
    if let last = out.last, last != 10 { out += [13, 10] }
    return out
  }

  @Test(arguments: encodings)
  func roundTripsThroughDataDecoder(message: String, wire: String) {
    let stuffed = DotStuffer.encode(bytes(message))
    let (run, mismatches) = dripFeedData(stuffed)
    #expect(mismatches.isEmpty)
    #expect(run.complete)
    #expect(run.consumed == stuffed.count)
    #expect(run.output == normalised(bytes(message)))
    #expect(!run.facts.hasBareLineEnding)
  }

  @Test func roundTripsEveryByteValue() {
    var message: [UInt8] = []
    for i in 0..<4096 { message.append(UInt8(truncatingIfNeeded: i &* 7919 &+ i / 13)) }
    message += bytes("\r\n.\r\n..\r\n.")
    let stuffed = DotStuffer.encode(message)
    let run = runData([stuffed])
    #expect(run.complete)
    #expect(run.consumed == stuffed.count)
    #expect(run.output == normalised(message))
  }
}
