import Net
import PostaTestSupport
import SMTPCore
import TLS
import Testing

/// A minimal SMTP client for transcripts: sends lines and raw bytes, reads whole replies
/// (multi-line included) with SMTPCore's `ReplyParser`.
final class SMTPTestClient {
  private(set) var stream: any ByteStream
  let reader: BufferedReader
  private var lastCommand = "(greeting)"

  init(_ stream: any ByteStream) {
    self.stream = stream
    self.reader = BufferedReader(stream)
  }

  /// Sends `text` as is (several commands, a message, an unterminated fragment).
  func sendRaw(_ text: String) async throws {
    try await sendRaw(Array(text.utf8))
  }

  func sendRaw(_ bytes: [UInt8]) async throws {
    try await stream.write(bytes)
  }

  /// Sends one command line.
  func send(_ line: String) async throws {
    lastCommand = line
    try await sendRaw(line + "\r\n")
  }

  /// The next whole reply.
  func reply() async throws -> Reply {
    var parser = ReplyParser()
    while true {
      switch try await reader.readLine(limit: 1 << 16) {
      case .line(let bytes, _):
        if let reply = try parser.parse(line: bytes) { return reply }
      case .tooLong: throw TestClientError.lineTooLong
      case .eof: throw TestClientError.unexpectedEOF(after: lastCommand)
      }
    }
  }

  /// The next reply as on the wire without CRLF (`250 2.1.0 OK`; multi-line joined by ` | `).
  func replyText() async throws -> String {
    try await reply().description
  }

  /// Sends a command and returns its reply as text.
  func command(_ line: String) async throws -> String {
    try await send(line)
    return try await replyText()
  }

  /// Sends a command and returns the reply's code.
  func code(_ line: String) async throws -> Int {
    try await send(line)
    return try await reply().code
  }

  /// Whether the server closed the connection (nothing more to read).
  func atEOF() async throws -> Bool {
    try await reader.readLine(limit: 1 << 16) == .eof
  }

  /// EHLO, parsed.
  func ehlo(_ name: String = "client.example.net") async throws -> EHLOResponse {
    try await send("EHLO \(name)")
    return try EHLOResponse(parsing: try await reply())
  }

  /// STARTTLS and the client side of the handshake (certificate not verified).
  func startTLS() async throws {
    #expect(try await command("STARTTLS").hasPrefix("220 2.0.0"))
    try await handshake()
  }

  /// The client side of a TLS handshake over the current stream.
  func handshake() async throws {
    let tls = try await TLSStream.connect(
      over: stream, context: try TLSContext.client(verifyPeer: false), serverName: "localhost")
    stream = tls
    reader.replace(stream: tls)
  }

  /// AUTH PLAIN with an initial response; returns the reply.
  func authPlain(_ login: String, _ password: String) async throws -> String {
    try await command("AUTH PLAIN " + SASLClient.plain(login, password))
  }

  /// MAIL, RCPT for each recipient, DATA and the message (dot-stuffed here); returns the
  /// final reply. Expects MAIL, every RCPT and DATA to be accepted.
  func sendMail(from sender: String, to recipients: [String], message: String) async throws
    -> String
  {
    #expect(try await command("MAIL FROM:<\(sender)>").hasPrefix("250"))
    for r in recipients { #expect(try await command("RCPT TO:<\(r)>").hasPrefix("250")) }
    #expect(try await command("DATA").hasPrefix("354"))
    try await sendRaw(DotStuffer.encode(Array(message.utf8)))
    return try await replyText()
  }
}

/// Decodes a `334 base64` challenge.
func challenge(_ reply: Reply) throws -> String {
  #expect(reply.code == 334, "expected a challenge, got \(reply)")
  return try SASLClient.decode(reply.lines.first ?? "")
}
