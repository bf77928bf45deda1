import SMTPCore

/// BDAT (RFC 3030 §2): the message in chunks of exactly the announced size, without
/// dot-stuffing; `BDAT n LAST` (n may be 0) ends it. Each chunk not the last is answered
/// `250`; the LAST one gets the message's final reply.
///
/// A chunk is always read off the stream, also when it is refused, so the session stays
/// in step. A chunk that would take the message past the size limit is read, dropped and
/// answered `552 5.3.4`, which ends the transaction (later chunks get `503` and are read
/// and dropped too).
extension SMTPSession {
  func handleBDAT(size: Int, last: Bool) async throws {
    let command = Command.bdat(size: size, last: last)
    guard let transaction else {
      try await discardChunk(size)
      respond(.badSequence("Error: need MAIL command"), to: command)
      return
    }
    let message: IncomingMessage
    if let current = transaction.message, current.chunks != nil {
      message = current
    } else {
      message = IncomingMessage(sink: makeSink(for: transaction))
      message.chunks = BDATDecoder(storageLimit: limits.maxMessageSize)
      self.transaction?.message = message
    }
    let received = message.chunks?.facts.size ?? 0
    if size > limits.maxMessageSize - received {
      try await discardChunk(size)
      refuse(
        .messageTooBig, to: command, reason: "message size",
        ("size", "\(received.addingReportingOverflow(size).partialValue)"))
      return
    }
    message.chunks?.beginChunk(size: size, last: last)
    while message.chunks?.isChunkComplete == false {
      try await fillReader()
      guard let progress = message.chunks?.decode(reader.peekBuffered(), into: &message.sink.buffer)
      else { break }
      reader.consumeBuffered(progress.consumed)
      await message.sink.didAppend()
    }
    guard last, let facts = message.chunks?.facts else {
      respond(.chunkReceived(octets: size), to: command)
      return
    }
    let reply = await finishMessage(facts: facts, chunked: true)
    respond(reply, to: command)
  }
}
