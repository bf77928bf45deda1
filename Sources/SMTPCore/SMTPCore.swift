// SMTPCore: the I/O-free protocol layer of Posta's SMTP server and client.
//
// It owns the SMTP grammar (commands, paths, mailboxes, MAIL/RCPT parameters after RFC 5321,
// 6531, 3030, 4954, 3461, 1870 and 6152), replies and their catalogue, the EHLO capability list,
// and the framers that decide where things end on the wire: command lines, DATA with
// dot-unstuffing (`DataDecoder`), BDAT chunks, and the client's `DotStuffer`. A pure session
// state machine says which command may come when.
//
// Invariants:
// - Nothing here does I/O, reads a clock or keeps global state; every limit comes in through
//   `SMTPLimits`, so the server, the client, the tests and the fuzzers drive the same code.
// - Framers never buffer without bound: a command line is held up to its limit and no more, and
//   message bodies pass through (`DataDecoder` and `BDATDecoder` hold at most a byte of state).
// - The end of DATA is only `<CRLF>.<CRLF>`; a bare CR or LF never ends it (SMTP smuggling). The
//   decoders report what they saw (bare CR/LF, sizes, line lengths, `Received:` count) and the
//   server decides after the real end of data.
// - Every parse error carries the reply the server sends for it.
