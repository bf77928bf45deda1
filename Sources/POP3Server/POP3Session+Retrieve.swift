import POP3Core
import Storage

/// RETR and TOP (RFC 1939 §7): the message streams from the store through the
/// byte-stuffer in chunks, never whole in memory.
extension POP3Session {
  /// Sends message `retrieval.number`, or `-ERR` if it is gone from the store (expunged
  /// over IMAP since the snapshot). RETR then queues the message for `\Seen`.
  /// - Throws: I/O errors; `POP3SessionError.retrieval` when the store fails after the
  ///   `+OK` line went out.
  func retrieve(_ retrieval: POP3Retrieval) async throws {
    guard let open = maildrop else { preconditionFailure("RETR outside TRANSACTION") }
    let stored = open.snapshot.messages[retrieval.number - 1]
    // Bounded by the stored size: the last chunk then needs no extra read to see the end.
    var chunks = environment.store.readMessage(
      in: open.snapshot.mailbox, uid: retrieval.uid, range: 0..<stored.size
    ).makeAsyncIterator()

    // The first read checks the message still exists; nothing is sent before it.
    var chunk: [UInt8]?
    do {
      chunk = try await chunks.next()
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
      do {
        // A failure from here on leaves a multi-line response half sent: nothing more
        // may be written (not even a shutdown notice), so it ends the session as such.
        if output.count >= Self.flushThreshold { try await flush() }
        chunk = try await chunks.next()
      } catch {
        throw POP3SessionError.retrieval(error)
      }
    }
    stuffer.finish(to: &output)
    retrievals += 1
    if retrieval.setsSeen { open.seen.mark(retrieval.uid) }
  }
}
