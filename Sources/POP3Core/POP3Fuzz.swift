/// The fuzz entry point (DESIGN.md: every `*Core` has one). The libFuzzer harness in
/// Tests/Fuzz/POP3 and the seed-replay test both call `check`, which runs the input
/// through every path that takes client or stored bytes and returns the invariants it
/// saw broken (empty when all hold). A crash or trap is a finding too.
public enum POP3Fuzz {
  /// Treats `data` as command lines (parser, round trip, three sessions: insecure,
  /// secure, logged in), as SASL continuation lines, and as a stored message (RETR and
  /// TOP stuffing against a reference, chunking independence, the size count).
  public static func check(_ data: [UInt8]) -> [String] {
    var problems: [String] = []
    let lines = data.split(separator: ASCII.lf, omittingEmptySubsequences: false).prefix(200)
    for line in lines {
      checkParse(line, &problems)
      _ = try? POP3SASLResponse.parse(line)
    }
    checkSessions(lines.map { Array($0) }, &problems)
    checkStuffing(data, &problems)
    return problems
  }

  // MARK: - Commands

  private static func checkParse(_ line: ArraySlice<UInt8>, _ problems: inout [String]) {
    do {
      let command = try POP3Command.parse(line)
      let again = try? POP3Command.parse(Array(command.line.utf8))
      if again != command {
        problems.append("round trip of \(command.redactedLine) gave \(String(describing: again))")
      }
    } catch {
      checkReply(error.response.encoded(), "parse error", &problems)
    }
  }

  private static func checkSessions(_ lines: [[UInt8]], _ problems: inout [String]) {
    let insecure = POP3SessionConfiguration()
    let secure = POP3SessionConfiguration(secureWithoutTLS: true)
    var loggedIn = POP3SessionState(configuration: secure)
    _ = loggedIn.handle(.user("fuzz"))
    _ = loggedIn.handle(.pass("secret"))
    _ = loggedIn.authenticationSucceeded(maildrop: sampleMaildrop)
    for start in [
      POP3SessionState(configuration: insecure), POP3SessionState(configuration: secure), loggedIn,
    ] {
      var session = start
      var succeed = true
      for line in lines {
        let action = session.receive(line: line)
        perform(action, on: &session, succeed: &succeed, &problems)
        if let drop = session.maildrop {
          if drop.count + drop.deletedCount != drop.totalCount || drop.size < 0 {
            problems.append("maildrop counts inconsistent: \(drop.count)+\(drop.deletedCount)")
          }
        }
      }
    }
  }

  private static func perform(
    _ action: POP3Action, on session: inout POP3SessionState, succeed: inout Bool,
    _ problems: inout [String]
  ) {
    switch action {
    case .reply(let bytes):
      checkReply(bytes, "reply", &problems)
    case .close(let bytes), .startTLS(let bytes):
      checkReply(bytes, "reply", &problems)
      if case .startTLS = action { session.tlsStarted() }
    case .authenticate, .authenticateSASL:
      let reply =
        succeed
        ? session.authenticationSucceeded(maildrop: sampleMaildrop)
        : session.authenticationFailed(.invalidCredentials)
      succeed.toggle()
      checkReply(reply, "login reply", &problems)
    case .retrieve(let retrieval):
      if case .message(let message) = session.maildrop?.lookup(retrieval.number) {
        if message.uid != retrieval.uid { problems.append("retrieve of the wrong UID") }
      } else {
        problems.append("retrieve of message \(retrieval.number), which is not live")
      }
    case .update(let uids):
      if uids != session.maildrop?.deletedUIDs { problems.append("expunge set differs") }
      checkReply(session.updateFinished(succeeded: true), "signing off", &problems)
    }
  }

  private static let sampleMaildrop = POP3Maildrop(
    uidValidity: 7,
    messages: [.init(uid: 3, size: 120), .init(uid: 9, size: 4000), .init(uid: 10, size: 1)])

  /// A reply is CRLF-terminated lines with no bare CR or LF, opening with a status.
  private static func checkReply(_ bytes: [UInt8], _ what: String, _ problems: inout [String]) {
    let text = String(decoding: bytes, as: UTF8.self)
    guard text.hasPrefix("+OK") || text.hasPrefix("-ERR") || text.hasPrefix("+ ") else {
      problems.append("\(what) has no status: \(text.prefix(40))")
      return
    }
    guard bytes.count >= 2, bytes.suffix(2) == [ASCII.cr, ASCII.lf] else {
      problems.append("\(what) does not end in CRLF")
      return
    }
    for (i, byte) in bytes.enumerated() {
      let crlfPart =
        byte == ASCII.cr
        ? i + 1 < bytes.count && bytes[i + 1] == ASCII.lf
        : byte == ASCII.lf ? i > 0 && bytes[i - 1] == ASCII.cr : true
      if !crlfPart {
        problems.append("\(what) has a bare CR or LF at \(i)")
        return
      }
    }
    let firstLine = bytes.firstIndex(of: ASCII.lf).map { $0 + 1 } ?? bytes.count
    if firstLine > POP3Limits().responseLine {
      problems.append("\(what) first line is \(firstLine) octets")
    }
  }

  // MARK: - Messages

  /// The unstuffed RETR body by the plainest rule: CR before each LF lacking one, a CRLF
  /// after an unterminated last line.
  static func referenceNormalised(_ message: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    var previous: UInt8 = 0
    for byte in message {
      if byte == ASCII.lf && previous != ASCII.cr { out.append(ASCII.cr) }
      out.append(byte)
      previous = byte
    }
    if let last = message.last, last != ASCII.lf { out.append(contentsOf: ASCII.crlf) }
    return out
  }

  /// Undoes RETR stuffing: nil unless it is CRLF lines, each `.`-led one doubled, ending
  /// in a lone `.` line.
  static func unstuff(_ output: [UInt8]) -> [UInt8]? {
    var lines: [ArraySlice<UInt8>] = []
    var start = 0
    for i in output.indices where output[i] == ASCII.lf {
      guard i > start, output[i - 1] == ASCII.cr else { return nil }
      lines.append(output[start...i])
      start = i + 1
    }
    guard start == output.count, lines.last == [ASCII.dot, ASCII.cr, ASCII.lf][...] else {
      return nil
    }
    var body: [UInt8] = []
    for line in lines.dropLast() {
      if line.first == ASCII.dot {
        guard line.dropFirst().first == ASCII.dot else { return nil }
        body.append(contentsOf: line.dropFirst())
      } else {
        body.append(contentsOf: line)
      }
    }
    return body
  }

  private static func checkStuffing(_ data: [UInt8], _ problems: inout [String]) {
    let whole = POP3ByteStuffer.stuff(data)
    guard let body = unstuff(whole) else {
      problems.append("RETR output is not well-formed stuffed CRLF text")
      return
    }
    let reference = referenceNormalised(data)
    if body != reference { problems.append("RETR body differs from the reference") }
    if POP3MessageSize.octets(of: data) != reference.count {
      problems.append("size \(POP3MessageSize.octets(of: data)) != \(reference.count)")
    }
    // Chunking must not matter: a split in the middle and, for short inputs, byte by byte.
    var splits = [[data.count / 2], [data.count / 3, 2 * data.count / 3]]
    if data.count <= 512 { splits.append(Array(data.indices)) }
    let topLines = Int(data.first ?? 0) % 5
    let top = POP3ByteStuffer.stuff(data, bodyLines: topLines)
    if !(top.dropLast(3)).elementsEqual(whole.prefix(top.count - 3)) {
      problems.append("TOP \(topLines) output is not a prefix of RETR's")
    }
    for cuts in splits {
      let chunks = chunked(data, at: cuts)
      if stuff(chunks, bodyLines: nil) != whole { problems.append("RETR depends on chunking") }
      if stuff(chunks, bodyLines: topLines) != top { problems.append("TOP depends on chunking") }
      var size = POP3MessageSize()
      for chunk in chunks { size.append(chunk) }
      if size.octets != reference.count { problems.append("size depends on chunking") }
    }
  }

  private static func chunked(_ data: [UInt8], at cuts: [Int]) -> [ArraySlice<UInt8>] {
    var chunks: [ArraySlice<UInt8>] = []
    var start = 0
    for cut in cuts where cut >= start {
      chunks.append(data[start..<cut])
      start = cut
    }
    chunks.append(data[start...])
    return chunks
  }

  private static func stuff(_ chunks: [ArraySlice<UInt8>], bodyLines: Int?) -> [UInt8] {
    var stuffer = bodyLines.map { POP3ByteStuffer(bodyLines: $0) } ?? POP3ByteStuffer()
    var out: [UInt8] = []
    for chunk in chunks where !stuffer.isComplete { stuffer.append(chunk, to: &out) }
    stuffer.finish(to: &out)
    return out
  }
}
