// POP3Server: the POP3 listener's sessions (RFC 1939, RFC 2449 CAPA and response codes,
// RFC 2595 STLS, RFC 5034 AUTH), serving each account's INBOX from the `Storage` module.
//
// It owns the I/O side of a session: reading command lines through `BufferedReader`,
// batching replies for pipelining clients, running the `POP3Core` state machine's actions
// against `Auth` (logins), `Storage` (maildrop lock, snapshot, RETR/TOP streaming, \Seen,
// the expunge at QUIT) and `TLS` (STLS and pop3s), and the session's ends (QUIT, drop,
// idle timeout, shutdown). `POP3Service` is the entry point the executable calls per
// accepted connection.
//
// Invariants:
// - Messages are removed only by QUIT in TRANSACTION, in one store transaction; a session
//   that ends any other way removes nothing (RFC 1939 §6).
// - The maildrop lock (`MailStore.lockPOP3`) is taken after a successful login and
//   released on every way out of the session, before the connection is closed.
// - Sizes in STAT, LIST and the RETR `+OK` line are the octets RETR sends before
//   byte-stuffing (`POP3MessageSize`), computed once per message and cached in memory
//   (`POP3SizeCache`).
// - A message body is never held whole in memory: RETR and TOP stream it from storage
//   through `POP3ByteStuffer` in chunks.
// - Plaintext logins only on TLS, or on loopback while `POP3Settings.loopbackIsSecure`.
// - Nothing here logs a password or a SASL response.
