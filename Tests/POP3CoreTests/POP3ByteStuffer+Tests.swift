import POP3Core
import Testing

@Suite struct POP3ByteStufferTests {
  static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

  /// Feeds `message` whole, in every 2-way split, and byte by byte; all must agree.
  static func dripFeed(_ message: [UInt8], bodyLines: Int? = nil) -> [UInt8] {
    let whole = POP3ByteStuffer.stuff(message, bodyLines: bodyLines)
    func run(_ chunks: [ArraySlice<UInt8>]) -> [UInt8] {
      var stuffer = bodyLines.map { POP3ByteStuffer(bodyLines: $0) } ?? POP3ByteStuffer()
      var out: [UInt8] = []
      for chunk in chunks { out += stuffer.append(chunk) }
      return out + stuffer.finish()
    }
    for cut in 0...message.count {
      #expect(run([message[..<cut], message[cut...]]) == whole, "split at \(cut)")
    }
    #expect(run(message.indices.map { message[$0...$0] }) == whole, "byte by byte")
    // The size count must be chunking-independent too.
    var size = POP3MessageSize()
    for byte in message { size.append([byte]) }
    #expect(size.octets == POP3MessageSize.octets(of: message))
    return whole
  }

  static let messages: [(String, String)] = [
    ("Subject: x\r\n\r\nhello\r\n", "Subject: x\r\n\r\nhello\r\n.\r\n"),
    ("Subject: x\n\nhello\n", "Subject: x\r\n\r\nhello\r\n.\r\n"),
    (
      "Subject: x\r\n\r\n.\r\n..\r\n.a\r\nb.\r\n",
      "Subject: x\r\n\r\n..\r\n...\r\n..a\r\nb.\r\n.\r\n"
    ),
    (".first\n.", "..first\r\n..\r\n.\r\n"),
    ("no newline", "no newline\r\n.\r\n"),
    ("mixed\r\nends\nhere", "mixed\r\nends\r\nhere\r\n.\r\n"),
    ("", ".\r\n"),
    ("\n", "\r\n.\r\n"),
    ("lone\rcr\r", "lone\rcr\r\r\n.\r\n"),
    ("\r\r\n", "\r\r\n.\r\n"),
    ("\r.x\n", "\r.x\r\n.\r\n"),
  ]

  @Test(arguments: messages)
  func stuffsRETR(_ message: String, _ expected: String) {
    let out = Self.dripFeed(Array(message.utf8))
    #expect(Self.text(out) == expected)
  }

  @Test(arguments: messages)
  func sizeIsTheUnstuffedOutputLength(_ message: String, _ expected: String) {
    // Remove the terminator and the stuffing dots: what RETR sends before stuffing.
    var bytes = Array(expected.utf8)
    #expect(bytes.suffix(3) == Array(".\r\n".utf8))
    bytes.removeLast(3)
    var length = 0
    var atLineStart = true
    for byte in bytes {
      if atLineStart && byte == UInt8(ascii: ".") {
        atLineStart = false
        continue
      }
      atLineStart = byte == 0x0A
      length += 1
    }
    #expect(POP3MessageSize.octets(of: Array(message.utf8)) == length)
  }

  static let top = "Subject: t\r\nFrom: a\r\n\r\n1\r\n.2\r\n3\r\n"

  @Test func topZeroSendsTheHeaderAndTheBlankLine() {
    let out = Self.dripFeed(Array(Self.top.utf8), bodyLines: 0)
    #expect(Self.text(out) == "Subject: t\r\nFrom: a\r\n\r\n.\r\n")
  }

  @Test func topCountsBodyLines() {
    #expect(
      Self.text(Self.dripFeed(Array(Self.top.utf8), bodyLines: 2))
        == "Subject: t\r\nFrom: a\r\n\r\n1\r\n..2\r\n.\r\n")
  }

  @Test func topBeyondTheBodySendsItAll() {
    let whole = Self.dripFeed(Array(Self.top.utf8))
    #expect(Self.dripFeed(Array(Self.top.utf8), bodyLines: 3) == whole)
    #expect(Self.dripFeed(Array(Self.top.utf8), bodyLines: 1000) == whole)
  }

  @Test func topWithBareLFAndNoFinalNewline() {
    let message = Array("A: b\n\nl1\nl2".utf8)
    #expect(Self.text(Self.dripFeed(message, bodyLines: 1)) == "A: b\r\n\r\nl1\r\n.\r\n")
    #expect(Self.text(Self.dripFeed(message, bodyLines: 5)) == "A: b\r\n\r\nl1\r\nl2\r\n.\r\n")
  }

  @Test func topOfAHeaderOnlyMessageIsTheWholeMessage() {
    let message = Array("A: b\r\nC: d".utf8)
    #expect(Self.text(Self.dripFeed(message, bodyLines: 0)) == "A: b\r\nC: d\r\n.\r\n")
  }

  @Test func topCompletesAndIgnoresTheRest() {
    var stuffer = POP3ByteStuffer(bodyLines: 0)
    #expect(!stuffer.isComplete)
    var out = stuffer.append(Array("H: v\r\n\r\nbody".utf8))
    #expect(stuffer.isComplete)
    out += stuffer.append(Array("more\r\n".utf8))
    out += stuffer.finish()
    #expect(Self.text(out) == "H: v\r\n\r\n.\r\n")
  }

  @Test func aBlankLineMadeOfCRLFOrLFEndsTheHeader() {
    for separator in ["\r\n", "\n"] {
      let message = Array("H: v\(separator)\(separator)b1\(separator)b2\(separator)".utf8)
      #expect(Self.text(POP3ByteStuffer.stuff(message, bodyLines: 1)) == "H: v\r\n\r\nb1\r\n.\r\n")
    }
    // A line holding only a lone CR is content, not the separator.
    let message = Array("H: v\r\r\nb1\r\n\r\nb2\r\n".utf8)
    #expect(Self.text(POP3ByteStuffer.stuff(message, bodyLines: 0)) == "H: v\r\r\nb1\r\n\r\n.\r\n")
  }

  @Test func sizeMatchesUnstuffedOutputOnPseudoRandomMessages() {
    var rng = SplitMix64(seed: 0x5EED)
    let alphabet: [UInt8] = [0x0D, 0x0A, 0x2E, 0x61, 0x20, 0xC3, 0xA9]
    for _ in 0..<300 {
      let length = Int(rng.next() % 200)
      let message = (0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
      #expect(POP3Fuzz.check(message) == [], "\(message)")
    }
  }

  @Test func largeMessageStreamsInChunks() {
    // 1 MiB of bare-LF lines, some dot-led, fed in 4 KiB chunks.
    var message: [UInt8] = []
    for i in 0..<20_000 {
      message += Array((i % 7 == 0 ? ".dot line \(i)\n" : "line \(i) of the body\n").utf8)
    }
    var stuffer = POP3ByteStuffer()
    var size = POP3MessageSize()
    var out: [UInt8] = []
    var start = 0
    while start < message.count {
      let end = min(start + 4096, message.count)
      stuffer.append(message[start..<end], to: &out)
      size.append(message[start..<end])
      start = end
    }
    stuffer.finish(to: &out)
    #expect(out == POP3ByteStuffer.stuff(message))
    let dotLines = (0..<20_000).filter { $0 % 7 == 0 }.count
    #expect(size.storedOctets == message.count)
    #expect(size.octets == message.count + 20_000)
    #expect(out.count == size.octets + dotLines + 3)
  }
}

/// SplitMix64: a tiny deterministic generator for repeatable pseudo-random inputs.
struct SplitMix64 {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
