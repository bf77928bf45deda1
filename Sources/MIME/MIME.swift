/// The MIME module reads Internet mail: RFC 5322 headers, addresses and dates, RFC 2047 encoded
/// words and RFC 2231 parameters, the RFC 2045–2049 MIME tree, transfer encodings and charsets,
/// and the IMAP views computed from them (ENVELOPE, BODY/BODYSTRUCTURE, section addressing) plus
/// the text SEARCH reads.
///
/// Invariants, because every byte comes from strangers:
/// - Input is a ``ByteSource`` (a buffer or a memory-mapped file). The parse tree holds byte
///   ranges into it, never copies of bodies, and every range lies inside the source.
/// - Parsing never fails and never traps: broken input yields a bounded, best-effort tree whose
///   oddities are recorded in ``MIMEPart/issue``.
/// - Every algorithm is linear in the input, with nesting, part and header counts capped by
///   ``MIMELimits``. Recursion depth is bounded by ``MIMELimits/maxDepth``.
/// - No I/O except mapping a file, no globals; charsets are converted by Glibc `iconv` from an
///   allow-list, so a hostile charset name cannot reach an obscure converter.
enum MIMEModule {}
