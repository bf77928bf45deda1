import SMTPCore
import Testing

@Suite struct DataDecoderTests {
  /// (wire bytes after 354, stored message, bytes consumed)
  static let messages: [(String, String, Int)] = [
    ("Subject: hi\r\n\r\nHello\r\n.\r\n", "Subject: hi\r\n\r\nHello\r\n", 25),
    (".\r\n", "", 3),
    ("\r\n.\r\n", "\r\n", 5),
    ("..leading dot\r\n.\r\n", ".leading dot\r\n", 18),
    ("a\r\n..\r\n.\r\n", "a\r\n.\r\n", 10),
    ("a\r\n...\r\n.\r\n", "a\r\n..\r\n", 11),
    ("a.b\r\n.x\r\n.\r\n", "a.b\r\nx\r\n", 12),
    ("a\r\n. \r\n.\r\n", "a\r\n \r\n", 10),
    ("a\r\n.\r\n.\r\n", "a\r\n", 6),
  ]

  @Test(arguments: messages)
  func decodes(wire: String, stored: String, consumed: Int) {
    let (run, mismatches) = dripFeedData(bytes(wire))
    #expect(mismatches.isEmpty)
    #expect(run.complete)
    #expect(run.output == bytes(stored))
    #expect(run.consumed == consumed)
    #expect(!run.facts.hasBareLineEnding)
  }

  /// SMTP smuggling: none of these ends the data; all of it is message content, and the
  /// facts say bare CR/LF occurred. (wire, stored, bare CR, bare LF)
  static let smuggling: [(String, String, Bool, Bool)] = [
    ("a\n.\nMAIL FROM:<x@y>\r\n.\r\n", "a\n.\nMAIL FROM:<x@y>\r\n", false, true),
    ("a\n.\r\nMAIL FROM:<x@y>\r\n.\r\n", "a\n.\r\nMAIL FROM:<x@y>\r\n", false, true),
    ("a\r\n.\nMAIL FROM:<x@y>\r\n.\r\n", "a\r\n\nMAIL FROM:<x@y>\r\n", false, true),
    ("a\r.\rMAIL FROM:<x@y>\r\n.\r\n", "a\r.\rMAIL FROM:<x@y>\r\n", true, false),
    ("a\r.\r\nMAIL FROM:<x@y>\r\n.\r\n", "a\r.\r\nMAIL FROM:<x@y>\r\n", true, false),
    ("a\r\n.\rMAIL FROM:<x@y>\r\n.\r\n", "a\r\n\rMAIL FROM:<x@y>\r\n", true, false),
    ("a\r\n.\r\rMAIL\r\n.\r\n", "a\r\n\r\rMAIL\r\n", true, false),
    ("a\r\n.\r\r\n.\r\n", "a\r\n\r\r\n", true, false),
    ("a\n.\n\r\n.\r\n", "a\n.\n\r\n", false, true),
    (".\nMAIL\r\n.\r\n", "\nMAIL\r\n", false, true),
    (".\rMAIL\r\n.\r\n", "\rMAIL\r\n", true, false),
    ("a\r\r\n.\r\n", "a\r\r\n", true, false),
    ("a\n\r\n.\r\n", "a\n\r\n", false, true),
    ("\n.\r\n.\r\n", "\n.\r\n", false, true),
  ]

  @Test(arguments: smuggling)
  func bareLineEndsNeverEndData(wire: String, stored: String, bareCR: Bool, bareLF: Bool) {
    let (run, mismatches) = dripFeedData(bytes(wire))
    #expect(mismatches.isEmpty)
    #expect(run.complete)
    #expect(run.consumed == wire.utf8.count)
    #expect(run.output == bytes(stored))
    #expect(run.facts.hasBareCR == bareCR)
    #expect(run.facts.hasBareLF == bareLF)
    #expect(run.facts.rejection(under: SMTPLimits()) == .smuggling)
  }

  static let unterminated: [String] = [
    "a\n.\n", "a\r.\r", "a\n.\r\n", "a\r\n.\n", "a\r\n.\r", "a\r\n.", "a\r\n", "", ".", ".\r",
    "a\r\n..\r\n", "a\r\n. \r\n",
  ]

  @Test(arguments: unterminated)
  func incompleteInputIsAllConsumed(wire: String) {
    let (run, mismatches) = dripFeedData(bytes(wire))
    #expect(mismatches.isEmpty)
    #expect(!run.complete)
    #expect(run.consumed == wire.utf8.count)
  }

  @Test func withheldBytesComeOutOnceTheyAreKnown() {
    // ".\r" at line start is held back until the next byte says whether it ends the data.
    var decoder = DataDecoder()
    var out: [UInt8] = []
    _ = decoder.decode(bytes("a\r\n.\r"), into: &out)
    #expect(out == bytes("a\r\n"))
    _ = decoder.decode(bytes("x\r\n.\r\n"), into: &out)
    #expect(out == bytes("a\r\n\rx\r\n"))
    #expect(decoder.isComplete)
  }

  @Test func pipelinedBytesAfterTheEndStayUnread() {
    let wire = bytes("Hi\r\n.\r\nQUIT\r\n")
    let (run, mismatches) = dripFeedData(wire)
    #expect(mismatches.isEmpty)
    #expect(run.consumed == 7)
    #expect(Array(wire[run.consumed...]) == bytes("QUIT\r\n"))
    var decoder = DataDecoder()
    var out: [UInt8] = []
    #expect(decoder.decode(wire, into: &out) == DecodeProgress(consumed: 7, isComplete: true))
    // Once complete, nothing more is taken.
    #expect(
      decoder.decode(bytes("QUIT\r\n"), into: &out) == DecodeProgress(consumed: 0, isComplete: true)
    )
    #expect(out == bytes("Hi\r\n"))
  }

  @Test func sizeLimitStopsStoringButReadsOn() {
    let body = String(repeating: "0123456789", count: 10) + "\r\n"
    let wire = bytes(body + ".\r\nRSET\r\n")
    let (run, mismatches) = dripFeedData(wire, storageLimit: 25)
    #expect(mismatches.isEmpty)
    #expect(run.complete)
    #expect(run.output == Array(bytes(body).prefix(25)))
    #expect(run.facts.size == 102)
    #expect(run.consumed == wire.count - 6)
    var decoder = DataDecoder(storageLimit: 25)
    var out: [UInt8] = []
    _ = decoder.decode(wire, into: &out)
    #expect(decoder.exceedsStorageLimit)
    #expect(decoder.storedCount == 25)
    #expect(decoder.facts.rejection(under: SMTPLimits(maxMessageSize: 25)) == .messageTooBig)
    #expect(decoder.facts.rejection(under: SMTPLimits(maxMessageSize: 102)) == nil)
  }

  @Test func sizeCountsUnstuffedOctets() {
    let run = runData([bytes("..\r\n.\r\n")])
    #expect(run.facts.size == 3)
    #expect(run.output == bytes(".\r\n"))
  }

  @Test func longestLineIsMeasuredAfterUnstuffing() {
    let line998 = String(repeating: "x", count: 998)
    let ok = runData([bytes("a\r\n" + line998 + "\r\nb\r\n.\r\n")])
    #expect(ok.facts.longestLine == 998)
    #expect(ok.facts.rejection(under: SMTPLimits(rejectLongTextLines: true)) == nil)
    // A stuffed dot does not count (RFC 5321 §4.5.3.1.6).
    let stuffed = runData([bytes("." + line998 + "\r\n.\r\n")])
    #expect(stuffed.facts.longestLine == 998)
    let long = runData([bytes("a\r\n" + line998 + "y\r\n.\r\n")])
    #expect(long.facts.longestLine == 999)
    #expect(long.facts.rejection(under: SMTPLimits()) == nil)
    #expect(
      long.facts.rejection(under: SMTPLimits(rejectLongTextLines: true)) == .lineTooLongInData)
    // The line is kept intact.
    #expect(long.output == bytes("a\r\n" + line998 + "y\r\n"))
  }

  @Test func countsReceivedFieldsInTheHeaderOnly() {
    var header = ""
    for i in 0..<51 { header += "Received: from hop\(i)\r\n\tby somewhere\r\n" }
    let wire =
      header + "received : spaced\r\nRECEIVED:x\r\nX-Received: no\r\nReceived-SPF: no\r\n"
      + "Subject: loop\r\n\r\nReceived: in the body\r\n.\r\n"
    let (run, mismatches) = dripFeedData(bytes(wire))
    #expect(mismatches.isEmpty)
    #expect(run.facts.receivedCount == 53)
    #expect(run.facts.rejection(under: SMTPLimits()) == .loopDetected)
    let few = runData([bytes("Received: a\r\nReceived: b\r\n\r\nbody\r\n.\r\n")])
    #expect(few.facts.receivedCount == 2)
    #expect(few.facts.rejection(under: SMTPLimits()) == nil)
    // Exactly 50 is allowed (RFC 5321 §6.3 suggests "more than 100"; Posta uses 50).
    let fifty = runData([bytes(String(repeating: "Received: x\r\n", count: 50) + "\r\n.\r\n")])
    #expect(fifty.facts.receivedCount == 50)
    #expect(fifty.facts.rejection(under: SMTPLimits()) == nil)
  }

  @Test func bareCRBeforeTheEmptyLineDoesNotEndTheHeader() {
    // "\r\r\n" is a line holding a bare CR, not an empty line: the header goes on.
    let run = runData([bytes("A: b\r\n\r\r\nReceived: x\r\n\r\n.\r\n")])
    #expect(run.facts.receivedCount == 1)
    #expect(run.facts.hasBareCR)
    // A field name only counts at the start of a line.
    let inside = runData([bytes("A: b\r\n\r\rReceived: x\r\n\r\n.\r\n")])
    #expect(inside.facts.receivedCount == 0)
  }

  @Test func reportsEightBitContent() {
    #expect(!runData([bytes("plain\r\n.\r\n")]).facts.hasEightBit)
    #expect(runData([bytes("Grüße\r\n.\r\n")]).facts.hasEightBit)
  }

  @Test func largeMessageAcrossManyChunks() {
    var wire: [UInt8] = []
    var expected: [UInt8] = []
    for i in 0..<5000 {
      let line = (i % 7 == 0 ? "." : "") + "line \(i) " + String(repeating: "z", count: i % 90)
      wire += bytes((line.hasPrefix(".") ? "." : "") + line + "\r\n")
      expected += bytes(line + "\r\n")
    }
    wire += bytes(".\r\nNOOP\r\n")
    var decoder = DataDecoder()
    var out: [UInt8] = []
    var offset = 0
    var chunk = 1
    while offset < wire.count && !decoder.isComplete {
      let end = min(wire.count, offset + chunk)
      offset += decoder.decode(wire[offset..<end], into: &out).consumed
      chunk = chunk * 3 % 4093 + 1
    }
    #expect(decoder.isComplete)
    #expect(out == expected)
    #expect(Array(wire[offset...]) == bytes("NOOP\r\n"))
  }
}
