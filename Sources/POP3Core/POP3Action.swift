/// What the server must do after the session handled a command. The session never does
/// I/O; the server performs the action and, where stated, reports back.
public enum POP3Action: Sendable, Hashable {
  /// Send these bytes (one or more complete responses), then read the next command.
  case reply([UInt8])
  /// USER/PASS: verify `user` with `password` (on any answer, the same delay and reply
  /// for unknown users as for wrong passwords), lock and snapshot the maildrop, then send
  /// what `authenticationSucceeded(maildrop:)` or `authenticationFailed(_:)` returns.
  case authenticate(user: String, password: String)
  /// AUTH: run the SASL exchange for `mechanism` (supported and allowed here) with the
  /// initial response as the client sent it (base64, `=` for empty, nil for none).
  /// Challenges go out as `POP3Response.continuation`; client lines (at most
  /// `POP3Limits.saslLine` octets) come through `POP3SASLResponse.parse`. Finish with
  /// `authenticationSucceeded(maildrop:)` or `authenticationFailed(_:)` (an over-long or
  /// non-base64 line is `.malformed`, a `*` is `.cancelled`).
  case authenticateSASL(mechanism: String, initialResponse: String?)
  /// STLS: send `reply`, drop any input buffered after the command (RFC 2595 §4,
  /// CVE-2011-0411 class), run the TLS handshake, then call `tlsStarted()`; on handshake
  /// failure close the connection.
  case startTLS(reply: [UInt8])
  /// RETR or TOP: stream the message (see `POP3Retrieval`).
  case retrieve(POP3Retrieval)
  /// QUIT in TRANSACTION: the session is in UPDATE. Remove the messages with these UIDs
  /// (possibly none) from the INBOX in one transaction, then send what
  /// `updateFinished(succeeded:)` returns and close.
  case update(expunge: [UInt32])
  /// Send `reply` and close the connection (QUIT outside TRANSACTION).
  case close(reply: [UInt8])
}

/// A RETR or TOP to perform: open message `uid`; if it is gone (expunged over IMAP since
/// the snapshot) send `unavailableReply`; otherwise send `okLine`, feed the stored bytes
/// through `makeStuffer()` and send its output and `finish()`. RETR (not TOP) also sets
/// `\Seen` on the message, as users mixing POP3 and IMAP expect.
public struct POP3Retrieval: Sendable, Hashable {
  /// The message number.
  public let number: Int
  /// The message's UID.
  public let uid: UInt32
  /// Its RETR size (the snapshot's).
  public let size: Int
  /// TOP's line count; nil for RETR.
  public let bodyLines: Int?

  /// A retrieval of message `number`.
  public init(number: Int, uid: UInt32, size: Int, bodyLines: Int?) {
    self.number = number
    self.uid = uid
    self.size = size
    self.bodyLines = bodyLines
  }

  /// Whether the message gets `\Seen` (RETR does, TOP does not).
  public var setsSeen: Bool { bodyLines == nil }

  /// A stuffer set up for this RETR or TOP.
  public func makeStuffer() -> POP3ByteStuffer {
    bodyLines.map { POP3ByteStuffer(bodyLines: $0) } ?? POP3ByteStuffer()
  }

  /// The `+OK` line before the message.
  public var okLine: [UInt8] {
    bodyLines == nil
      ? POP3Response.ok("\(size) octets").encoded()
      : POP3Response.ok("top of message follows").encoded()
  }

  /// The reply when the message no longer exists in storage.
  public var unavailableReply: [UInt8] {
    POP3Response.error(nil, "message \(number) no longer exists").encoded()
  }
}
