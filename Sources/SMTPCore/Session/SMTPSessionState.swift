/// Which commands a server session may take when, and the counters behind its limits: a pure
/// state machine, so the server's command loop stays thin and the rules are tested alone.
///
/// The server calls `check(_:)` before handling a parsed command (a non-nil reply refuses it:
/// `503 5.5.1` out of sequence, `452 4.5.3` over the recipient limit, `552 5.3.4` for a SIZE=
/// over the message limit, `554 5.5.1` DATA after every RCPT failed), then `record(_:for:)` with the reply it is about to send, and sends the
/// reply `record` returns: past `limits.maxErrors` replies in the 500–504 range that is
/// `421 4.7.0` and the session is closed. Policy (AUTH required, relaying, TLS offered) stays
/// in the server.
public struct SMTPSessionState: Sendable, Hashable {
  /// Where the session is (RFC 5321 §4.1.4 ordering, RFC 3030 for BDAT).
  public enum Phase: Sendable, Hashable {
    /// Connected (or after STARTTLS): EHLO/HELO expected.
    case awaitingHello
    /// Greeted, no transaction.
    case ready
    /// MAIL accepted, no recipient accepted yet.
    case mailGiven
    /// At least one RCPT accepted.
    case recipientsGiven
    /// `354` sent: the DataDecoder has the stream until the end of data.
    case receivingData
    /// A BDAT chunk without LAST accepted.
    case receivingChunks
    /// QUIT answered or a `421` sent.
    case closed
  }

  public let limits: SMTPLimits
  public private(set) var phase = Phase.awaitingHello
  /// The last accepted EHLO/HELO argument.
  public private(set) var helloName: HelloName?
  /// The client greeted with EHLO (not HELO).
  public private(set) var isExtended = false
  public private(set) var isTLS: Bool
  public private(set) var isAuthenticated = false
  /// Replies in the 500–504 range so far.
  public private(set) var errorCount = 0
  /// The current transaction's MAIL parameters.
  public private(set) var mailParameters: MailParameters?
  /// Recipients accepted in the current transaction.
  public private(set) var acceptedRecipients = 0
  /// Recipients refused in the current transaction.
  public private(set) var refusedRecipients = 0

  /// A session; `isTLS` for implicit TLS (port 465).
  public init(limits: SMTPLimits = SMTPLimits(), isTLS: Bool = false) {
    self.limits = limits
    self.isTLS = isTLS
  }

  /// The transaction's MAIL carried SMTPUTF8: pass to `CommandParser.parse` for RCPT.
  public var isSMTPUTF8Transaction: Bool { mailParameters?.smtputf8 ?? false }

  /// True from an accepted MAIL to the end of its message or RSET.
  public var inTransaction: Bool {
    switch phase {
    case .mailGiven, .recipientsGiven, .receivingData, .receivingChunks: return true
    case .awaitingHello, .ready, .closed: return false
    }
  }

  /// Nil when `command` may be handled now, else the reply refusing it.
  public func check(_ command: Command) -> Reply? {
    switch phase {
    case .closed: return .badSequence("Error: session closed")
    case .receivingData: return .badSequence("Error: message data in progress")
    default: break
    }
    let chunking = phase == .receivingChunks
    switch command {
    case .ehlo, .helo, .rset, .noop, .quit:
      return nil
    case .help, .vrfy, .expn:
      return chunking ? .badSequence("Error: BDAT transfer in progress") : nil
    case .mail(_, let params):
      switch phase {
      case .awaitingHello: return .badSequence("Error: send HELO/EHLO first")
      case .ready:
        // RFC 1870 §6.2: a declared size over the limit is refused at MAIL.
        if let size = params.size, size > limits.maxMessageSize { return .messageTooBig }
        return nil
      case .receivingChunks: return .badSequence("Error: BDAT transfer in progress")
      default: return .badSequence("Error: nested MAIL command")
      }
    case .rcpt:
      switch phase {
      case .mailGiven, .recipientsGiven:
        return acceptedRecipients >= limits.maxRecipients ? .tooManyRecipients : nil
      case .receivingChunks: return .badSequence("Error: BDAT transfer in progress")
      default: return .badSequence("Error: need MAIL command")
      }
    case .data:
      switch phase {
      case .recipientsGiven:
        // RFC 3030 §3: BINARYMIME content cannot be sent with DATA.
        return mailParameters?.body == .binaryMIME
          ? .badSequence("Error: BODY=BINARYMIME requires BDAT") : nil
      case .mailGiven: return noRecipientsReply
      case .receivingChunks: return .badSequence("Error: DATA during BDAT transfer")
      default: return .badSequence("Error: need MAIL command")
      }
    case .bdat:
      switch phase {
      case .recipientsGiven, .receivingChunks: return nil
      case .mailGiven: return noRecipientsReply
      default: return .badSequence("Error: need MAIL command")
      }
    case .starttls:
      if isTLS { return .badSequence("Error: TLS already active") }
      if phase == .awaitingHello { return .badSequence("Error: send EHLO first") }
      return inTransaction ? .badSequence("Error: MAIL transaction in progress") : nil
    case .auth:
      if phase == .awaitingHello || !isExtended {
        return .badSequence("Error: send EHLO first")
      }
      if isAuthenticated { return .badSequence("Error: already authenticated") }
      // RFC 4954 §4: not during a mail transaction.
      return inTransaction ? .badSequence("Error: MAIL transaction in progress") : nil
    }
  }

  /// RFC 5321 §3.3: 554 when recipients were tried and all refused, else 503.
  private var noRecipientsReply: Reply {
    refusedRecipients > 0 ? .noValidRecipients : .badSequence("Error: need RCPT command")
  }

  /// Records that the server answers `command` (nil for a line that did not parse) with
  /// `reply`, and returns the reply to send: `reply`, or `Reply.tooManyErrors` once more than
  /// `limits.maxErrors` syntax/sequence errors were sent. A `421` closes the session.
  ///
  /// For DATA, call it with the `354` and again with the final reply after the end of data.
  public mutating func record(_ reply: Reply, for command: Command?) -> Reply {
    var reply = reply
    if reply.isSyntaxOrSequenceError {
      errorCount += 1
      if errorCount > limits.maxErrors { reply = .tooManyErrors }
    }
    if reply.code == 421 {
      phase = .closed
      return reply
    }
    guard let command else { return reply }
    let ok = reply.isPositiveCompletion
    switch command {
    case .ehlo(let name), .helo(let name):
      guard ok else { break }
      // RFC 5321 §4.1.4: EHLO/HELO mid-transaction resets it.
      clearTransaction()
      phase = .ready
      helloName = name
      isExtended = command.verb == .ehlo
    case .mail(_, let params):
      guard ok, phase == .ready else { break }
      clearTransaction()
      mailParameters = params
      phase = .mailGiven
    case .rcpt:
      guard phase == .mailGiven || phase == .recipientsGiven else { break }
      if ok {
        acceptedRecipients += 1
        phase = .recipientsGiven
      } else {
        refusedRecipients += 1
      }
    case .data:
      if reply.code == 354 && phase == .recipientsGiven {
        phase = .receivingData
      } else if phase == .receivingData {
        // The final reply: the transaction is over whatever it said.
        endTransaction()
      }
    case .bdat(_, let last):
      guard phase == .recipientsGiven || phase == .receivingChunks else { break }
      if ok && !last {
        phase = .receivingChunks
      } else {
        // LAST answered, or a refused chunk: RFC 3030 §2 ends the transaction; later chunks
        // get 503 and are still read off the stream by the server.
        endTransaction()
      }
    case .rset:
      guard ok else { break }
      endTransaction()
    case .starttls:
      guard reply.code == 220 else { break }
      // RFC 3207 §4.2: forget everything learned before TLS.
      clearTransaction()
      phase = .awaitingHello
      helloName = nil
      isExtended = false
      isAuthenticated = false
      isTLS = true
    case .auth:
      if reply.code == 235 { isAuthenticated = true }
    case .quit:
      if reply.code == 221 { phase = .closed }
    case .noop, .help, .vrfy, .expn:
      break
    }
    return reply
  }

  /// Marks the session closed without a reply (a failed TLS handshake, an I/O error).
  public mutating func close() {
    phase = .closed
  }

  private mutating func endTransaction() {
    clearTransaction()
    phase = helloName == nil ? .awaitingHello : .ready
  }

  private mutating func clearTransaction() {
    mailParameters = nil
    acceptedRecipients = 0
    refusedRecipients = 0
  }
}
