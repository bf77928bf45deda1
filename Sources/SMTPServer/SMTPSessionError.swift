/// Why a session stops early, other than QUIT or the `421` of too many errors. Every case
/// closes the connection and drops the transaction in progress (nothing half-received is
/// ever stored).
enum SMTPSessionError: Error, CustomStringConvertible {
  /// The client closed the connection in the middle of a message or an AUTH exchange.
  case clientClosed
  /// Writing to the client failed or timed out: nothing more can be sent.
  case write(any Error)
  /// The STARTTLS or implicit TLS handshake failed; nothing more can be said in plaintext.
  case tls(any Error)

  var description: String {
    switch self {
    case .clientClosed: "client closed the connection mid-command"
    case .write(let error): "write to the client failed: \(error)"
    case .tls(let error): "TLS handshake failed: \(error)"
    }
  }
}

/// How a session ended, for the log line.
enum SMTPSessionEnd: String, Sendable {
  case quit
  /// The client closed the connection.
  case clientClosed = "client-closed"
  /// No command within the idle timeout (`421 4.4.2`).
  case idle
  /// The server is shutting down (the session task was cancelled): `421 4.3.2`.
  case shutdown
  /// More than `SMTPLimits.maxErrors` syntax and sequence errors: `421 4.7.0`.
  case tooManyErrors = "too-many-errors"
  /// A read, write or handshake failed.
  case error
}
