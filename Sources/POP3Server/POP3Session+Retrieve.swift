import POP3Core
import Storage

/// RETR and TOP (RFC 1939 §7): the message streams from the store through the
/// byte-stuffer in chunks, never whole in memory. Small messages come whole, several in
/// one read when the client goes in order (`POP3ReadAhead`).
extension POP3Session {
  /// Sends message `retrieval.number`, or `-ERR` if it is gone from the store (expunged
  /// over IMAP since the snapshot). RETR then queues the message for `\Seen` unless it had
  /// it at login.
  /// - Throws: I/O errors; `POP3SessionError.retrieval` when the store fails after the
  ///   `+OK` line went out.
  func retrieve(_ retrieval: POP3Retrieval) async throws {
    guard let open = maildrop else { preconditionFailure("RETR outside TRANSACTION") }
    let stored = open.snapshot.messages[retrieval.number - 1]
    let sequential = retrieval.number == lastRetrieved + 1
    lastRetrieved = retrieval.number

    // The first read checks the message still exists; nothing is sent before it.
    var chunks: BodyStream.AsyncIterator?
    var chunk: [UInt8]?
    do throws(StorageError) {
      if stored.size <= POP3ReadAhead.messageLimit {
        chunk = try await smallMessage(retrieval.number, sequential: sequential, open: open)
        if chunk == nil { throw StorageError.messageNotFound(uid: retrieval.uid) }
      } else {
        // Bounded by the stored size: the last chunk then needs no extra read to see the end.
        var stream = environment.store.readMessage(
          in: open.snapshot.mailbox, uid: retrieval.uid, range: 0..<stored.size
        ).makeAsyncIterator()
        chunk = try await stream.next()
        chunks = stream
      }
    } catch .messageNotFound, .bodyNotFound {
      queue(retrieval.unavailableReply)
      return
    } catch {
      logger.error("pop3-read-failed", ("uid", "\(retrieval.uid)"), ("error", "\(error)"))
      queue(
        POP3Response.error(.systemTemporary, "message \(retrieval.number) cannot be read now")
          .encoded(limits: limits))
      return
    }

    queue(retrieval.okLine)
    var stuffer = retrieval.makeStuffer()
    var read: Int64 = 0
    while let bytes = chunk {
      read += Int64(bytes.count)
      stuffer.append(bytes, to: &output)
      // TOP stops reading once its lines are out.
      if stuffer.isComplete || read >= stored.size { break }
      guard var stream = chunks else { break }
      do {
        // A failure from here on leaves a multi-line response half sent: nothing more
        // may be written (not even a shutdown notice), so it ends the session as such.
        if output.count >= Self.flushThreshold { try await flush() }
        chunk = try await stream.next()
        chunks = stream
      } catch {
        throw POP3SessionError.retrieval(error)
      }
    }
    stuffer.finish(to: &output)
    retrievals += 1
    // Not again for a message seen at login: a client that leaves mail on the server
    // retrieves it once per check, and a \Seen removed over IMAP since the login stays
    // removed until the next session retrieves the message.
    if retrieval.setsSeen && !stored.seen { open.seen.mark(retrieval.uid) }
  }

  /// The whole of small message `number`, from the read-ahead or read now (with the next
  /// few when the client goes in order); nil if it is gone.
  private func smallMessage(_ number: Int, sequential: Bool, open: OpenMaildrop)
    async throws(StorageError) -> [UInt8]?
  {
    let store = environment.store
    let mailbox = open.snapshot.mailbox
    switch readAhead?.take(number, currentStamp: store.expungeStamp(of: mailbox)) ?? .miss {
    case .bytes(let bytes): return bytes
    case .gone: return nil
    case .miss: break
    }
    readAhead = nil
    let messages = open.snapshot.messages
    let numbers = POP3ReadAhead.batch(
      from: number, sequential: sequential,
      sizes: { messages.indices.contains($0 - 1) ? messages[$0 - 1].size : nil },
      isDeleted: { state.maildrop?.isDeleted($0) ?? true })
    // Taken before the read: an expunge committed after it changes the stamp.
    let stamp = store.expungeStamp(of: mailbox)
    let read = try await store.readSmallMessages(
      in: mailbox, uids: numbers.map { messages[$0 - 1].uid })
    if numbers.count > 1 {
      readAhead = POP3ReadAhead(
        stamp: stamp, messages: Dictionary(uniqueKeysWithValues: zip(numbers, read).dropFirst()))
    }
    return read[0]
  }
}
