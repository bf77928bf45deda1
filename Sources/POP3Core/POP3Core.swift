/// POP3Core: the pure POP3 protocol layer (RFC 1939, RFC 2449 CAPA and response codes,
/// RFC 2595 STLS, RFC 3206, RFC 5034 AUTH framing).
///
/// It owns the command grammar (`POP3Command`, parsed from one line), the responses and
/// their encoding (`POP3Response`, `POP3ResponseCode`), the capability list
/// (`POP3Capabilities`), the session state machine (`POP3SessionState`, AUTHORIZATION →
/// TRANSACTION → UPDATE over a `POP3Maildrop` snapshot), RETR/TOP byte-stuffing
/// (`POP3ByteStuffer`), the size that STAT and LIST report (`POP3MessageSize`), UIDL values
/// (`POP3UniqueID`) and the protocol limits (`POP3Limits`).
///
/// Invariants:
/// - No I/O, no clock, no globals: the server feeds lines and gets back `POP3Action`s (bytes
///   to send, or work to do such as verifying a password or streaming a message), so every
///   path here runs in unit tests and under the fuzzer (`POP3Fuzz`).
/// - Imports only the Swift standard library.
/// - Every byte sequence this module produces for the wire ends in CRLF, and no response
///   text can smuggle a line break in (control characters are replaced).
/// - The size `POP3MessageSize` computes is exactly the number of octets `POP3ByteStuffer`
///   emits for the message before dot-stuffing and without the terminating `.` line.
