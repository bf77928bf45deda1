/// The replies the server sends, in one place so texts and codes stay consistent. Catalogue
/// entries take their enhanced codes from RFC 3463 (and RFC 5248's registry); texts can be
/// specialised with `with(text:)`.
extension Reply {
  private static func esc(_ c: Int, _ s: Int, _ d: Int) -> EnhancedStatusCode {
    EnhancedStatusCode(c, s, d)
  }

  // MARK: - Session

  /// `220 <host> ESMTP ready`: the greeting (no enhanced code, RFC 2034 §3).
  public static func greeting(host: String) -> Reply {
    Reply(220, nil, "\(host) ESMTP ready")
  }
  /// `221 2.0.0 <host> closing connection`: the answer to QUIT.
  public static func closing(host: String) -> Reply {
    Reply(221, esc(2, 0, 0), "\(host) closing connection")
  }
  /// `250 <host>`: the answer to HELO (no enhanced code).
  public static func helo(host: String) -> Reply { Reply(250, nil, host) }

  /// `250 2.0.0 OK` (RSET, NOOP).
  public static let ok = Reply(250, esc(2, 0, 0), "OK")
  /// `250 2.1.0 OK`: MAIL accepted (X.1.0 is "other address status").
  public static let senderOK = Reply(250, esc(2, 1, 0), "OK")
  /// `250 2.1.5 OK`: RCPT accepted (X.1.5 "destination address valid").
  public static let recipientOK = Reply(250, esc(2, 1, 5), "OK")
  /// `250 2.0.0 OK: queued as <id>`: the final reply of a message.
  public static func accepted(id: String) -> Reply {
    Reply(250, esc(2, 0, 0), "OK: queued as \(id)")
  }
  /// `250 2.0.0 <n> octets received`: a BDAT chunk that is not the last.
  public static func chunkReceived(octets: Int) -> Reply {
    Reply(250, esc(2, 0, 0), "\(octets) octets received")
  }
  /// `252 2.0.0`: VRFY, which never discloses whether a user exists (RFC 5321 §3.5.3).
  public static let cannotVerify = Reply(
    252, esc(2, 0, 0), "Cannot VRFY user, but will accept message and attempt delivery")
  /// `214 2.0.0`: HELP.
  public static let help = Reply(
    214, esc(2, 0, 0), "See RFC 5321; commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY")
  /// `354`: go ahead with the message (no enhanced code on 3xx).
  public static let startMailInput = Reply(354, nil, "End data with <CR><LF>.<CR><LF>")
  /// `220 2.0.0 Ready to start TLS` (RFC 3207 §4).
  public static let readyToStartTLS = Reply(220, esc(2, 0, 0), "Ready to start TLS")

  // MARK: - Syntax and sequence (500–504, counted toward the error limit)

  /// `500 5.5.2`: an unknown verb (RFC 5321 §4.2.4; X.5.2 "syntax error").
  public static let unknownCommand = Reply(500, esc(5, 5, 2), "Error: command not recognized")
  /// `500 5.5.2`: a command or SASL line over its limit (RFC 5321 §4.5.3.1.4).
  public static let lineTooLong = Reply(500, esc(5, 5, 2), "Error: line too long")
  /// `501 5.5.4`: bad arguments or parameters (X.5.4 "invalid command arguments").
  public static func syntaxError(_ text: String) -> Reply { Reply(501, esc(5, 5, 4), text) }
  /// `501 5.1.7`: the MAIL FROM path does not parse (X.1.7 "bad sender's mailbox syntax").
  public static func badSenderSyntax(_ text: String) -> Reply { Reply(501, esc(5, 1, 7), text) }
  /// `501 5.1.3`: the RCPT TO path does not parse (X.1.3 "bad destination mailbox syntax").
  public static func badRecipientSyntax(_ text: String) -> Reply {
    Reply(501, esc(5, 1, 3), text)
  }
  /// `502 5.5.1`: a command we know but do not implement (EXPN, ETRN, TURN…).
  public static let notImplemented = Reply(502, esc(5, 5, 1), "Error: command not implemented")
  /// `503 5.5.1`: a command out of sequence.
  public static func badSequence(_ text: String) -> Reply { Reply(503, esc(5, 5, 1), text) }
  /// `504 5.5.4`: an AUTH mechanism the server does not offer (RFC 4954 §4).
  public static let unrecognizedAuthMechanism = Reply(
    504, esc(5, 5, 4), "Unrecognized authentication type")
  /// `555 5.5.4`: an unknown MAIL/RCPT parameter (RFC 5321 §4.1.1.11).
  public static func unknownParameter(_ keyword: String) -> Reply {
    Reply(555, esc(5, 5, 4), "Unsupported parameter \(keyword)")
  }

  // MARK: - Addresses and transactions

  /// `554 5.7.1 relay denied`: a foreign recipient without authentication.
  public static let relayDenied = Reply(554, esc(5, 7, 1), "Relay access denied")
  /// `550 5.1.1`: no such local user (said at RCPT, never bounced later).
  public static let unknownUser = Reply(550, esc(5, 1, 1), "No such user here")
  /// `550 5.7.1`: an authenticated user sending as an address they do not own.
  public static let senderNotOwned = Reply(
    550, esc(5, 7, 1), "Sender address not owned by the authenticated user")
  /// `553 5.6.7`: a non-ASCII address without SMTPUTF8 (RFC 6531 §3.5).
  public static let nonASCIIAddress = Reply(
    553, esc(5, 6, 7), "Non-ASCII addresses require the SMTPUTF8 parameter")
  /// `452 4.5.3`: more than the recipient limit in one transaction (RFC 5321 §4.5.3.1.10).
  public static let tooManyRecipients = Reply(452, esc(4, 5, 3), "Too many recipients")
  /// `450 4.2.1`: postmaster of a hosted domain with no account to receive it.
  public static let postmasterUnavailable = Reply(
    450, esc(4, 2, 1), "Postmaster mailbox temporarily unavailable")
  /// `452 4.2.2`: the recipient is over quota (transient).
  public static let overQuotaTemp = Reply(452, esc(4, 2, 2), "Mailbox full, try again later")
  /// `554 5.5.1`: DATA or BDAT after every RCPT was refused (RFC 5321 §3.3).
  public static let noValidRecipients = Reply(554, esc(5, 5, 1), "No valid recipients")

  // MARK: - Message content

  /// `552 5.3.4`: the message (or its SIZE= declaration) exceeds the size limit.
  public static let messageTooBig = Reply(
    552, esc(5, 3, 4), "Message size exceeds fixed maximum message size")
  /// `552 5.3.4`: a text line over 998 octets, when the server rejects such messages.
  public static let lineTooLongInData = Reply(
    552, esc(5, 3, 4), "Message has a line longer than 998 octets")
  /// `550 5.6.0`: bare CR or LF in DATA (SMTP smuggling), said only after the real end.
  public static let smuggling = Reply(
    550, esc(5, 6, 0), "Message contains bare CR or LF; lines must end with CRLF")
  /// `554 5.4.6`: more `Received:` fields than the loop limit (RFC 5321 §6.3).
  public static let loopDetected = Reply(554, esc(5, 4, 6), "Too many hops: mail loop detected")

  // MARK: - Server trouble

  /// `451 4.3.0`: the message could not be made durable; nothing was kept.
  public static let localError = Reply(451, esc(4, 3, 0), "Local error in processing, try later")
  /// `452 4.3.1`: no disk space.
  public static let diskFull = Reply(452, esc(4, 3, 1), "Insufficient system storage")
  /// `421 4.7.0`: too many syntax/sequence errors; the server closes.
  public static let tooManyErrors = Reply(421, esc(4, 7, 0), "Too many errors, closing connection")
  /// `421 4.7.0`: the client address has too many connections open.
  public static let tooManyConnections = Reply(
    421, esc(4, 7, 0), "Too many connections from your address")
  /// `421 4.4.2`: the idle timeout expired (RFC 5321 §4.5.3.2).
  public static let timeout = Reply(421, esc(4, 4, 2), "Timeout, closing connection")
  /// `421 4.3.2`: the server is shutting down.
  public static let shuttingDown = Reply(421, esc(4, 3, 2), "Service shutting down")

  // MARK: - TLS and authentication

  /// `530 5.7.0`: MAIL before AUTH where AUTH is required (RFC 4954 §6).
  public static let authRequired = Reply(530, esc(5, 7, 0), "Authentication required")
  /// `530 5.7.0`: a command that needs TLS first (RFC 3207 §4).
  public static let startTLSRequired = Reply(
    530, esc(5, 7, 0), "Must issue a STARTTLS command first")
  /// `454 4.7.0`: STARTTLS not possible now (RFC 3207 §4).
  public static let tlsNotAvailable = Reply(454, esc(4, 7, 0), "TLS not available")
  /// `235 2.7.0` (RFC 4954 §6).
  public static let authSucceeded = Reply(235, esc(2, 7, 0), "Authentication successful")
  /// `535 5.7.8`: bad credentials (RFC 4954 §6).
  public static let authFailed = Reply(535, esc(5, 7, 8), "Authentication credentials invalid")
  /// `454 4.7.0`: authentication could not be checked now (RFC 4954 §6).
  public static let authTemporaryFailure = Reply(
    454, esc(4, 7, 0), "Temporary authentication failure")
  /// `538 5.7.11`: a mechanism that needs TLS first (RFC 4954 §6).
  public static let encryptionRequired = Reply(
    538, esc(5, 7, 11), "Encryption required for requested authentication mechanism")
  /// `501 5.0.0`: the client cancelled AUTH with `*` (RFC 4954 §4).
  public static let authCancelled = Reply(501, esc(5, 0, 0), "Authentication cancelled")
  /// `501 5.5.2`: a SASL response that is not base64 (RFC 4954 §4).
  public static let cannotDecodeBase64 = Reply(501, esc(5, 5, 2), "Cannot decode base64 response")
  /// `334 <challenge>`: a SASL challenge, base64 only (RFC 4954 §4).
  public static func authChallenge(_ base64: String) -> Reply { Reply(334, nil, base64) }
}
