/// Why a session stops early, other than the client's QUIT. Every case closes the
/// connection; none deletes anything.
enum POP3SessionError: Error, CustomStringConvertible {
  /// The client closed the connection in the middle of an exchange (a SASL dialogue).
  case clientClosed
  /// Writing to the client failed or timed out (it stopped reading): nothing more can
  /// be sent, not even a goodbye.
  case write(any Error)
  /// The STLS or pop3s handshake failed; nothing more can be said in plaintext.
  case tls(any Error)
  /// Reading a message from the store, or writing it, failed after its `+OK` line was
  /// sent: a multi-line response cannot be turned into `-ERR` half way, so the connection
  /// is dropped and the client retries.
  case retrieval(any Error)

  var description: String {
    switch self {
    case .clientClosed: "client closed the connection during authentication"
    case .write(let error): "write to the client failed: \(error)"
    case .tls(let error): "TLS handshake failed: \(error)"
    case .retrieval(let error): "RETR/TOP failed mid-response: \(error)"
    }
  }
}

/// How a session ended, for the log line.
enum POP3SessionEnd: String, Sendable {
  /// QUIT (in any state).
  case quit
  /// The client closed the connection.
  case clientClosed = "client-closed"
  /// No command within the idle timeout (RFC 1939 §3 autologout).
  case idle
  /// The server is shutting down (the session task was cancelled).
  case shutdown
  /// A read or write failed, or a handshake or message read broke the session.
  case error
}
