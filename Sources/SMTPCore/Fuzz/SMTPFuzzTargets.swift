/// Fuzz entry points: each takes arbitrary bytes, drives one part of SMTPCore and returns the
/// invariants it saw broken (empty when all held). The libFuzzer harness in `Tests/Fuzz/SMTP`
/// aborts on a non-empty result; `swift test` replays the seed corpus through the same calls.
public enum SMTPFuzzTargets {
  /// Every target on the same input.
  public static func all(_ input: [UInt8]) -> [String] {
    commandLine(input) + replies(input) + dataDecoder(input) + session(input)
  }

  /// Each line parses or is refused; a parsed command re-encodes to a line that parses to the
  /// same command.
  public static func commandLine(_ input: [UInt8]) -> [String] {
    var problems: [String] = []
    let parser = CommandParser()
    let relaxed = CommandParser(
      limits: SMTPLimits(commandLineLength: .max / 2, saslLineLength: .max / 2))
    for raw in input.split(separator: ASCII.lf, omittingEmptySubsequences: false) {
      var line = Array(raw)
      if line.last == ASCII.cr { line.removeLast() }
      for utf8 in [false, true] {
        guard let command = try? parser.parse(line, smtputf8Transaction: utf8) else { continue }
        let encoded = Array(command.encoded().dropLast(2))
        do {
          let again = try relaxed.parse(encoded, smtputf8Transaction: utf8)
          if again != command {
            problems.append("command round trip: \(command) became \(again)")
          }
        } catch {
          // Canonical forms may be longer (an IPv6 `::` for one group, U+FFFD for a bad
          // byte) and so break a length limit; anything else is a bug.
          if encoded.count <= line.count {
            problems.append("re-encoded \(command) does not parse: \(error)")
          }
        }
      }
    }
    return problems
  }

  /// Replies parse or fail cleanly; parsed replies and EHLO capabilities round-trip.
  public static func replies(_ input: [UInt8]) -> [String] {
    let limits = SMTPLimits(maxReplyLines: 64)
    guard let (replies, consumed) = try? ReplyParser.parseAll(input, limits: limits) else {
      return []
    }
    var problems: [String] = []
    if consumed > input.count { problems.append("reply parser consumed past the input") }
    for reply in replies {
      let bytes = reply.encoded()
      guard let (again, used) = try? ReplyParser.parseAll(bytes, limits: limits) else {
        if bytes.count <= input.count { problems.append("re-encoded \(reply) does not parse") }
        continue
      }
      if again != [reply] || used != bytes.count {
        problems.append("reply round trip: \(reply) became \(again)")
      }
      if let ehlo = try? EHLOResponse(parsing: reply),
        let rebuilt = try? EHLOResponse(parsing: ehlo.reply), rebuilt != ehlo
      {
        problems.append("EHLO round trip: \(ehlo) became \(rebuilt)")
      }
    }
    return problems
  }

  /// DATA decoding gives the same result whole, split in three, and byte by byte; consumes
  /// exactly through the terminator; and a clean message survives DotStuffer and back.
  public static func dataDecoder(_ input: [UInt8]) -> [String] {
    var problems: [String] = []
    let limit = input.count / 2
    let whole = decodeData(input, splits: [], limit: limit)
    let a = input.isEmpty ? 0 : Int(input[0]) % (input.count + 1)
    let b = input.count - input.count / 3
    let split = decodeData(input, splits: [min(a, b), max(a, b)], limit: limit)
    let bytewise = decodeData(input, splits: Array(0..<input.count), limit: limit)
    if split != whole || bytewise != whole {
      problems.append("DataDecoder result depends on how input is split")
    }
    let terminator: [UInt8] = [ASCII.cr, ASCII.lf, ASCII.dot, ASCII.cr, ASCII.lf]
    let prefix = Array(input[..<whole.consumed])
    if whole.complete {
      let atStart = prefix == [ASCII.dot, ASCII.cr, ASCII.lf]
      if !atStart && !prefix.ends(with: terminator) {
        problems.append("DataDecoder ended without <CRLF>.<CRLF>")
      }
      if !atStart && prefix.dropLast().firstRange(of: terminator) != nil {
        problems.append("DataDecoder missed an earlier terminator")
      }
    } else {
      if whole.consumed != input.count { problems.append("incomplete DATA left input unread") }
      if input.firstRange(of: terminator) != nil
        || input.starts(with: [ASCII.dot, ASCII.cr, ASCII.lf])
      {
        problems.append("DataDecoder missed a terminator")
      }
    }
    if whole.output.count > limit || whole.output.count > whole.size {
      problems.append("DataDecoder stored past its limit")
    }
    // Round trip: a complete, clean message comes back byte for byte.
    let full = decodeData(input, splits: [], limit: .max)
    if full.complete && !full.bareLineEnding {
      let stuffed = DotStuffer.encode(full.output)
      let back = decodeData(stuffed, splits: [], limit: .max)
      if !back.complete || back.output != full.output || back.consumed != stuffed.count {
        problems.append("DotStuffer → DataDecoder round trip changed the message")
      }
    }
    return problems
  }

  /// A whole client session against the server's pure layers: command framing, parsing, the
  /// state machine, DATA and BDAT, with a fixed reply policy. Checks the bounds that protect a
  /// server: held bytes, counters and stream accounting.
  public static func session(_ input: [UInt8]) -> [String] {
    runSession(input).problems
  }

  /// The session driver behind `session`; also returns the commands it handled, in order, so
  /// tests can check that nothing inside a message was taken for a command.
  static func runSession(_ input: [UInt8]) -> (problems: [String], commands: [Command]) {
    var problems: [String] = []
    var commands: [Command] = []
    let limits = SMTPLimits(
      commandLineLength: 128, saslLineLength: 256, maxMessageSize: 64, maxRecipients: 3,
      maxErrors: 5)
    let parser = CommandParser(limits: limits)
    var state = SMTPSessionState(limits: limits)
    var framer = CommandLineFramer()
    var data: DataDecoder?
    var bdat: BDATDecoder?
    var pendingBDAT: Command?
    var discard = 0
    var i = 0
    var steps = 0
    while i < input.count && state.phase != .closed {
      steps += 1
      if steps > input.count * 2 + 16 {
        problems.append("session made no progress")
        break
      }
      let rest = input[i...]
      if discard > 0 {
        let n = min(discard, rest.count)
        discard -= n
        i += n
        continue
      }
      if var decoder = data {
        var out: [UInt8] = []
        let p = decoder.decode(rest, into: &out)
        i += p.consumed
        if decoder.storedCount > limits.maxMessageSize { problems.append("DATA stored too much") }
        data = decoder
        if p.isComplete {
          let reply = decoder.facts.rejection(under: limits) ?? .accepted(id: "1")
          _ = state.record(reply, for: .data)
          data = nil
        }
        continue
      }
      if var decoder = bdat, let command = pendingBDAT {
        var out: [UInt8] = []
        let p = decoder.decode(rest, into: &out)
        i += p.consumed
        bdat = decoder
        if p.isChunkComplete {
          let reply =
            decoder.exceedsStorageLimit
            ? Reply.messageTooBig : .chunkReceived(octets: decoder.facts.size)
          _ = state.record(reply, for: command)
          pendingBDAT = nil
          if p.isMessageComplete || !reply.isPositiveCompletion { bdat = nil }
        }
        continue
      }
      let (consumed, frame) = framer.frame(rest, limit: limits.commandReadLimit)
      i += consumed
      if framer.bufferedCount >= limits.commandReadLimit {
        problems.append("framer holds \(framer.bufferedCount) bytes")
      }
      guard let frame else { continue }
      guard case .line(let line, _) = frame else {
        _ = state.record(.lineTooLong, for: nil)
        continue
      }
      let command: Command
      do {
        command = try parser.parse(line, smtputf8Transaction: state.isSMTPUTF8Transaction)
      } catch {
        _ = state.record(error.reply, for: nil)
        continue
      }
      commands.append(command)
      if let refusal = state.check(command) {
        _ = state.record(refusal, for: command)
        if case .bdat(let size, _) = command { discard = size }
        continue
      }
      switch command {
      case .data:
        _ = state.record(.startMailInput, for: command)
        data = DataDecoder(storageLimit: limits.maxMessageSize)
      case .bdat(let size, let last):
        var decoder = bdat ?? BDATDecoder(storageLimit: limits.maxMessageSize)
        decoder.beginChunk(size: size, last: last)
        bdat = decoder
        pendingBDAT = command
      case .rcpt(let path, _):
        let known = path.mailbox?.localPart.first != "x"
        _ = state.record(known ? .recipientOK : .unknownUser, for: command)
      case .starttls:
        _ = state.record(.readyToStartTLS, for: command)
      case .auth:
        _ = state.record(.authSucceeded, for: command)
      case .quit:
        _ = state.record(.closing(host: "mx"), for: command)
      case .ehlo, .helo:
        _ = state.record(.helo(host: "mx"), for: command)
      default:
        _ = state.record(.ok, for: command)
      }
      if state.acceptedRecipients > limits.maxRecipients {
        problems.append("more recipients than the limit")
      }
      if state.errorCount > limits.maxErrors + 1 { problems.append("error limit not enforced") }
    }
    if i > input.count { problems.append("session consumed past the input") }
    return (problems, commands)
  }

  private struct DataResult: Equatable {
    var output: [UInt8]
    var consumed: Int
    var complete: Bool
    var size: Int
    var bareLineEnding: Bool
    var facts: MessageFacts
  }

  private static func decodeData(_ input: [UInt8], splits: [Int], limit: Int) -> DataResult {
    var decoder = DataDecoder(storageLimit: limit)
    var output: [UInt8] = []
    var consumed = 0
    var bounds = splits.filter { $0 > 0 && $0 < input.count }
    bounds.append(input.count)
    var start = 0
    for end in bounds where end > start {
      var offset = start
      while offset < end && !decoder.isComplete {
        let p = decoder.decode(input[offset..<end], into: &output)
        offset += p.consumed
        consumed += p.consumed
        if p.consumed == 0 { break }
      }
      start = end
      if decoder.isComplete { break }
    }
    return DataResult(
      output: output, consumed: consumed, complete: decoder.isComplete, size: decoder.facts.size,
      bareLineEnding: decoder.facts.hasBareLineEnding, facts: decoder.facts)
  }
}

extension Array where Element == UInt8 {
  fileprivate func ends(with suffix: [UInt8]) -> Bool {
    count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
  }
}
