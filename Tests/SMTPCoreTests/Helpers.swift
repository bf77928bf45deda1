import SMTPCore

/// Bytes of a string, for tables.
func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

func mailbox(_ local: String, _ domain: String) -> Mailbox {
  Mailbox(localPart: local, domain: MailDomain(domain)!)
}

func hello(_ s: String) -> HelloName { HelloName(s)! }

/// Parses one line, returning the command or the reply that refuses it.
func parse(_ line: String, utf8: Bool = false, limits: SMTPLimits = SMTPLimits()) -> Result<
  Command, CommandError
> {
  Result { () throws(CommandError) in
    try CommandParser(limits: limits).parse(bytes(line), smtputf8Transaction: utf8)
  }
}

/// A DATA decode of `input` fed in the given pieces.
struct DataRun: Equatable {
  var output: [UInt8]
  var consumed: Int
  var complete: Bool
  var facts: MessageFacts
}

func runData(_ pieces: [[UInt8]], storageLimit: Int = .max) -> DataRun {
  var decoder = DataDecoder(storageLimit: storageLimit)
  var output: [UInt8] = []
  var consumed = 0
  for piece in pieces {
    if decoder.isComplete { break }
    let p = decoder.decode(piece, into: &output)
    consumed += p.consumed
  }
  return DataRun(
    output: output, consumed: consumed, complete: decoder.isComplete, facts: decoder.facts)
}

/// The drip-feed check: whole, every 2-way split and byte by byte must agree.
func dripFeedData(_ input: [UInt8], storageLimit: Int = .max) -> (DataRun, [String]) {
  let whole = runData([input], storageLimit: storageLimit)
  var mismatches: [String] = []
  for cut in 0...input.count {
    let run = runData([Array(input[..<cut]), Array(input[cut...])], storageLimit: storageLimit)
    if run != whole { mismatches.append("split at \(cut)") }
  }
  let bytewise = runData(input.map { [$0] }, storageLimit: storageLimit)
  if bytewise != whole { mismatches.append("byte by byte") }
  return (whole, mismatches)
}
