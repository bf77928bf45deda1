/// Why a protocol's test client (`SMTPTestClient`, `POP3TestClient`) gave up reading.
public enum TestClientError: Error {
  /// The server closed the connection; `after` is the last command sent.
  case unexpectedEOF(after: String)
  case lineTooLong
}
