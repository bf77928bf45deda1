import SMTPCore
import Testing

@Suite struct CommandLineFramerTests {
  typealias Frame = CommandLineFramer.Frame

  /// Frames all of `pieces`, returning the frames and the bytes left after the last LF.
  func frames(_ pieces: [[UInt8]], limit: Int) -> [Frame] {
    var framer = CommandLineFramer()
    var out: [Frame] = []
    for piece in pieces {
      var offset = 0
      while offset < piece.count {
        let (consumed, frame) = framer.frame(piece[offset...], limit: limit)
        offset += consumed
        if let frame { out.append(frame) }
      }
    }
    return out
  }

  @Test func framesLinesAndBareLF() {
    let wire = bytes("EHLO a\r\nNOOP\nQUIT\r\npartial")
    #expect(
      frames([wire], limit: 512) == [
        .line(bytes("EHLO a"), bareLF: false), .line(bytes("NOOP"), bareLF: true),
        .line(bytes("QUIT"), bareLF: false),
      ])
  }

  @Test func overLongLinesAreDroppedToTheirEnd() {
    // limit 10: "123456789\r\n" is 11 octets, too long; "12345678\r\n" is exactly 10.
    let wire = bytes(
      "12345678\r\n123456789\r\nok\r\n" + String(repeating: "x", count: 50) + "\r\nend\r\n")
    let expected: [Frame] = [
      .line(bytes("12345678"), bareLF: false), .tooLong, .line(bytes("ok"), bareLF: false),
      .tooLong, .line(bytes("end"), bareLF: false),
    ]
    #expect(frames([wire], limit: 10) == expected)
    // Drip-feed: every 2-way split and byte by byte give the same frames.
    for cut in 0...wire.count {
      #expect(
        frames([Array(wire[..<cut]), Array(wire[cut...])], limit: 10) == expected, "split at \(cut)"
      )
    }
    #expect(frames(wire.map { [$0] }, limit: 10) == expected)
  }

  @Test func holdsNoMoreThanTheLimit() {
    var framer = CommandLineFramer()
    for _ in 0..<100 {
      _ = framer.frame([UInt8](repeating: 0x41, count: 7), limit: 64)
      #expect(framer.bufferedCount < 64)
    }
    let (consumed, frame) = framer.frame(bytes("\r\nNOOP\r\n"), limit: 64)
    #expect(consumed == 2)
    #expect(frame == .tooLong)
    #expect(CommandError.lineTooLong.reply.code == 500)
  }
}
