import Testing

@testable import Net

@Suite struct BufferedReaderTests {
  typealias Line = BufferedReader.Line

  static func line(_ s: String, bareLF: Bool = false) -> Line { .line(s.bytes, bareLF: bareLF) }

  struct Case: CustomTestStringConvertible, Sendable {
    let input: String
    let limit: Int
    let expected: [Line]
    var testDescription: String { "\(input.debugDescription) limit \(limit)" }
  }

  static let cases: [Case] = [
    Case(input: "HELO a\r\n", limit: 512, expected: [line("HELO a"), .eof]),
    Case(input: "a\nb\r\n", limit: 512, expected: [line("a", bareLF: true), line("b"), .eof]),
    Case(input: "\r\n\n", limit: 512, expected: [line(""), line("", bareLF: true), .eof]),
    Case(input: "unterminated", limit: 512, expected: [.eof]),
    Case(input: "a\rb\r\n", limit: 512, expected: [line("a\rb"), .eof]),
    Case(input: "", limit: 512, expected: [.eof]),
    // The limit counts the terminator.
    Case(input: "abc\r\nok\r\n", limit: 5, expected: [line("abc"), line("ok"), .eof]),
    Case(input: "abcd\r\nok\r\n", limit: 5, expected: [.tooLong, line("ok"), .eof]),
    Case(
      input: "abc\nok\n", limit: 4,
      expected: [line("abc", bareLF: true), line("ok", bareLF: true), .eof]),
    Case(input: "abcd\nok\n", limit: 4, expected: [.tooLong, line("ok", bareLF: true), .eof]),
    Case(input: "ab\r\n", limit: 3, expected: [.tooLong, .eof]),
    Case(
      input: String(repeating: "x", count: 100) + "\r\nnext\r\n", limit: 10,
      expected: [.tooLong, line("next"), .eof]),
    Case(
      input: String(repeating: "y", count: 40) + "\n" + String(repeating: "z", count: 40)
        + "\r\nend\n",
      limit: 16, expected: [.tooLong, .tooLong, line("end", bareLF: true), .eof]),
    Case(input: String(repeating: "x", count: 50), limit: 10, expected: [.eof]),
    Case(
      input: "one\r\ntwo\r\nthree\r\n", limit: 7,
      expected: [line("one"), line("two"), line("three"), .eof]),
  ]

  @Test(arguments: cases)
  func linesSurviveEverySplit(_ c: Case) async throws {
    try await Drip.check(c.input.bytes) { reader, variant in
      var got: [Line] = []
      while true {
        let l = try await reader.readLine(limit: c.limit)
        got.append(l)
        if l == .eof || got.count > c.expected.count { break }
      }
      #expect(got == c.expected, "\(variant)")
    }
  }

  @Test func tooLongLineIsNotBuffered() async throws {
    let huge = [UInt8](repeating: 0x41, count: 1 << 20)
    let stream = ScriptedStream([huge, "\r\nok\r\n".bytes])
    let reader = BufferedReader(stream, chunkSize: 4096)
    #expect(try await reader.readLine(limit: 512) == .tooLong)
    #expect(reader.bufferCapacity <= 4096)
    #expect(stream.largestRead <= 4096)
    #expect(try await reader.readLine(limit: 512) == Self.line("ok"))
    #expect(try await reader.readLine(limit: 512) == .eof)
  }

  @Test func emptyReaderHoldsNoBuffer() async throws {
    let reader = BufferedReader(
      ScriptedStream(["a\r\nb\r\n".bytes, "partial".bytes, "\r\n".bytes]))
    #expect(try await reader.readLine(limit: 100) == Self.line("a"))
    #expect(reader.bufferedCount == 3)
    #expect(try await reader.readLine(limit: 100) == Self.line("b"))
    #expect(reader.bufferedCount == 0)
    #expect(reader.bufferCapacity == 0)
    #expect(try await reader.readLine(limit: 100) == Self.line("partial"))
    #expect(reader.bufferCapacity == 0)
  }

  @Test func readExactlyAcrossBoundaries() async throws {
    let payload = (0..<100).map { UInt8($0) }
    let input = "DATA\r\n".bytes + payload + "NEXT\r\n".bytes
    try await Drip.check(input, chunkSizes: [1, 7, 16384]) { reader, variant in
      #expect(try await reader.readLine(limit: 100) == Self.line("DATA"), "\(variant)")
      var got: [UInt8] = []
      var largest = 0
      try await reader.readExactly(100) { chunk in
        largest = max(largest, chunk.count)
        got += chunk
      }
      #expect(got == payload, "\(variant)")
      #expect(largest <= max(reader.chunkSize, 100), "\(variant)")
      #expect(try await reader.readLine(limit: 100) == Self.line("NEXT"), "\(variant)")
      #expect(try await reader.readLine(limit: 100) == .eof, "\(variant)")
    }
  }

  @Test func readExactlyStreamsInChunks() async throws {
    let payload = [UInt8](repeating: 7, count: 1_000_000)
    let reader = BufferedReader(ScriptedStream([payload]), chunkSize: 16384)
    var chunks = 0
    var total = 0
    try await reader.readExactly(payload.count) { chunk in
      #expect(chunk.count <= 16384)
      chunks += 1
      total += chunk.count
    }
    #expect(total == payload.count)
    #expect(chunks >= payload.count / 16384)
  }

  @Test func discardAcrossBoundaries() async throws {
    let input = "SKIP\r\n".bytes + [UInt8](repeating: 0x0A, count: 50) + "AFTER\r\n".bytes
    try await Drip.check(input, chunkSizes: [1, 5, 16384]) { reader, variant in
      #expect(try await reader.readLine(limit: 10) == Self.line("SKIP"), "\(variant)")
      try await reader.discard(50)
      #expect(try await reader.readLine(limit: 10) == Self.line("AFTER"), "\(variant)")
    }
  }

  @Test func shortStreamIsUnexpectedEOF() async throws {
    let reader = BufferedReader(ScriptedStream("abc"))
    await #expect(throws: NetError.unexpectedEOF(expected: 5, received: 3)) {
      try await reader.readExactly(5) { _ in }
    }
    let other = BufferedReader(ScriptedStream("abc"))
    await #expect(throws: NetError.unexpectedEOF(expected: 4, received: 3)) {
      try await other.discard(4)
    }
  }

  @Test func bufferControls() async throws {
    let first = ScriptedStream(["STARTTLS\r\nMAIL FROM:<evil>\r\n".bytes])
    let reader = BufferedReader(first)
    #expect(try await reader.readLine(limit: 512) == Self.line("STARTTLS"))
    #expect(reader.bufferedCount == "MAIL FROM:<evil>\r\n".utf8.count)
    #expect(Array(reader.peekBuffered()) == "MAIL FROM:<evil>\r\n".bytes)
    reader.discardBuffered()
    #expect(reader.bufferedCount == 0)

    let second = ScriptedStream("EHLO tls\r\n")
    reader.replace(stream: second)
    #expect(reader.stream === second)
    reader.unread("NOOP\r\n".bytes)
    #expect(try await reader.readLine(limit: 512) == Self.line("NOOP"))
    #expect(try await reader.readLine(limit: 512) == Self.line("EHLO tls"))

    let third = BufferedReader(ScriptedStream("abcdef"))
    #expect(try await third.fill())
    third.consumeBuffered(2)
    third.unread("xy".bytes)
    #expect(third.takeBuffered() == "xycdef".bytes)
    #expect(third.bufferedCount == 0)
    #expect(try await third.fill() == false)
  }

  @Test func readExactlyIntoArray() async throws {
    let reader = BufferedReader(ScriptedStream(["ab".bytes, "cdef".bytes]), chunkSize: 3)
    #expect(try await reader.readExactly(5) == "abcde".bytes)
    #expect(try await reader.readExactly(0) == [])
    #expect(try await reader.readExactly(1) == "f".bytes)
  }
}

/// A session kept in an actor can still use a reader it owns.
private actor ActorSession {
  let reader: BufferedReader
  init(stream: any ByteStream) { reader = BufferedReader(stream) }
  var received = 0
  func next() async throws -> BufferedReader.Line { try await reader.readLine(limit: 100) }
  func body(_ n: Int) async throws -> Int {
    try await reader.readExactly(n) { chunk in received += chunk.count }
    return received
  }
}

@Test func readerUsableFromAnActor() async throws {
  let session = ActorSession(stream: ScriptedStream("hi\r\nbody"))
  #expect(try await session.next() == .line("hi".bytes, bareLF: false))
  #expect(try await session.body(4) == 4)
}
