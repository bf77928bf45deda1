// The DNS module owns Posta's stub resolver: the RFC 1035 message codec
// (Message/, pure, no I/O, also built into the libFuzzer harness in
// Tests/Fuzz/DNS) and the asynchronous `Resolver` (Resolver/) that asks the
// configured recursive servers over UDP, falls back to TCP on truncation,
// follows CNAMEs and caches answers by TTL. Outbound delivery and, later, the
// SPF/DKIM/DMARC checks reach DNS only through the `DNSResolving` protocol, so
// their tests can use `MockResolver` instead of sockets.
//
// Invariants:
// - Nothing blocks a thread: sockets are non-blocking and wait on the Net
//   reactor; there is no libresolv or getaddrinfo here.
// - Decoding refuses hostile input instead of trusting it: every read is bounds
//   checked, compression pointers must point strictly backwards (so they can
//   never loop), labels are at most 63 octets and names at most 255.
// - A reply is used only when its source, ID and question match the query.
// - Errors say whether they are permanent (`DNSError.isPermanent`: the name
//   does not exist) or temporary (everything else), because the queue fails a
//   recipient at once on the first and retries later on the second.
// - Concurrent lookups of one name and type share one query, but each caller
//   waits on its own: a cancelled caller returns `DNSError.cancelled` at once
//   while the query goes on (and is cached) for the rest.
