/// The TLS module: OpenSSL 3 sessions for Posta's servers and its outbound client.
///
/// It owns `TLSContext` (certificates, SNI selection, protocol and cipher policy),
/// `TLSEngine` (one OpenSSL session on memory BIOs, never touching a socket),
/// `TLSStream` (a `ByteStream` running an engine over any other `ByteStream`, so
/// implicit TLS and STARTTLS are the same code), `CertificateInfo` (names in a
/// certificate) and `SelfSignedCertificate` (the first-start certificate).
///
/// Invariants: TLS 1.2 and 1.3 only on servers; no renegotiation, no compression;
/// memory per connection is bounded (at most one TLS record of plaintext and one
/// network chunk buffered per direction, `SSL_MODE_RELEASE_BUFFERS`, grown memory
/// BIOs replaced when idle); OpenSSL's error queue is cleared before every call so
/// each `TLSError` carries the reason of the call that failed.
