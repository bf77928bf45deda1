// SMTPServer: Posta's SMTP listeners — inbound mail on port 25 (MX), authenticated
// submission on 587 (STARTTLS, RFC 6409) and 465 (implicit TLS, RFC 8314) — and delivery of
// what they accept into the mail store and its outbound queue.
//
// It owns the I/O side of a session: reading command lines through `BufferedReader`,
// batching replies for pipelining clients (RFC 2920), driving `SMTPCore`'s parser, state
// machine and DATA/BDAT decoders, the policy the core leaves to the server (roles, relay
// denial, AUTH and TLS requirements, sender ownership, postmaster, quotas), the trace
// fields added to each message, the spool directory for large messages, and the one
// `MailStore.deliver` per message. `SMTPService` is the entry point the executable calls
// per accepted connection; each command's handler is its own file under `Commands/`.
//
// Invariants:
// - The final `250` of a message is sent only after `deliver` returned: the message is
//   durable for every local recipient and in the queue for every remote one. Any failure
//   before answers 4xx and keeps nothing; a session that ends mid-message keeps nothing.
// - A message is refused only after its real end (`<CRLF>.<CRLF>`, or BDAT LAST): bare CR
//   or LF in DATA → `550 5.6.0`, too large → `552 5.3.4`, over 50 `Received:` →
//   `554 5.4.6`. A refused BDAT chunk is read and dropped, never run as commands.
// - Lines longer than 998 octets in a message are accepted and stored intact, never
//   truncated (`SMTPLimits.rejectLongTextLines` turns this into `552 5.3.4`).
// - 8-bit content is stored unchanged whatever BODY= says; BODY=BINARYMIME is refused
//   (`501 5.5.4`), as Postfix does: CHUNKING is offered without BINARYMIME.
// - Relaying needs AUTH, from every address: there are no trusted networks.
// - AUTH is never offered before TLS. The `Received:` line names the client by its IP
//   literal (no DNS) and never names the login.
// - Nothing here logs a message body, a password or a SASL response.
