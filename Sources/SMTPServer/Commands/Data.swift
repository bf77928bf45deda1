import SMTPCore

/// DATA (RFC 5321 §4.1.1.4): `354`, then the message up to `<CRLF>.<CRLF>`, streamed through
/// `DataDecoder` (dot-unstuffing) into the message sink.
///
/// Whatever is wrong with the message — bare CR or LF (smuggling), size, loops — is
/// answered only after the real end of data: replying early and reading on would run the
/// rest of the message as commands. The bytes after the terminator stay buffered for the
/// command loop (pipelining).
extension SMTPSession {
  func handleData() async throws {
    guard let transaction else {
      respond(.badSequence("Error: need MAIL command"), to: .data)
      return
    }
    respond(.startMailInput, to: .data)
    // 354 ends a pipelining group (RFC 2920 §3.1): the client waits for it.
    try await flush()
    let message = IncomingMessage(sink: makeSink(for: transaction))
    self.transaction?.message = message
    var decoder = DataDecoder(storageLimit: limits.maxMessageSize)
    while !decoder.isComplete {
      try await fillReader()
      let progress = decoder.decode(reader.peekBuffered(), into: &message.sink.buffer)
      reader.consumeBuffered(progress.consumed)
      await message.sink.didAppend()
    }
    let reply = await finishMessage(facts: decoder.facts, chunked: false)
    respond(reply, to: .data)
  }
}
