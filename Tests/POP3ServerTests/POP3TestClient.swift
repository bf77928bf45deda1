import Net
import PostaTestSupport
import Testing

/// A minimal POP3 client for transcripts: sends lines, reads status lines and multi-line
/// bodies (un-stuffed, as RFC 1939 §3 says a client must).
final class POP3TestClient {
  private(set) var stream: any ByteStream
  let reader: BufferedReader
  private var lastCommand = "(greeting)"

  init(_ stream: any ByteStream) {
    self.stream = stream
    self.reader = BufferedReader(stream)
  }

  /// Switches to `stream` (after STLS) with nothing buffered from before.
  func replace(stream newStream: any ByteStream) {
    stream = newStream
    reader.replace(stream: newStream)
  }

  /// Sends `text` as is (several commands, or an unterminated fragment).
  func sendRaw(_ text: String) async throws {
    try await stream.write(Array(text.utf8))
  }

  /// Sends one command line.
  func send(_ line: String) async throws {
    lastCommand = line
    try await sendRaw(line + "\r\n")
  }

  /// The next line, without CRLF.
  func line() async throws -> String {
    String(decoding: try await lineBytes(), as: UTF8.self)
  }

  func lineBytes() async throws -> [UInt8] {
    switch try await reader.readLine(limit: 1 << 20) {
    case .line(let bytes, _): return bytes
    case .tooLong: throw TestClientError.lineTooLong
    case .eof: throw TestClientError.unexpectedEOF(after: lastCommand)
    }
  }

  /// Whether the server closed the connection (nothing more to read).
  func atEOF() async throws -> Bool {
    try await reader.readLine(limit: 1 << 20) == .eof
  }

  /// Sends a command and returns its status line.
  func command(_ line: String) async throws -> String {
    try await send(line)
    return try await self.line()
  }

  /// The lines of a multi-line body up to the `.` line, un-stuffed.
  func body() async throws -> [String] {
    try await bodyBytes().map { String(decoding: $0, as: UTF8.self) }
  }

  func bodyBytes() async throws -> [[UInt8]] {
    var lines: [[UInt8]] = []
    while true {
      var bytes = try await lineBytes()
      if bytes == [0x2E] { return lines }
      if bytes.first == 0x2E { bytes.removeFirst() }
      lines.append(bytes)
    }
  }

  /// Sends a multi-line command; returns the status line and, after `+OK`, the body.
  func multiLine(_ line: String) async throws -> (status: String, lines: [String]) {
    let status = try await command(line)
    guard status.hasPrefix("+OK") else { return (status, []) }
    return (status, try await body())
  }

  /// The message as RETR delivers it after un-stuffing: each line with CRLF. Nil, with
  /// the status line, when the server answered `-ERR`.
  func retrieve(_ command: String) async throws -> (status: String, message: [UInt8]?) {
    let status = try await self.command(command)
    guard status.hasPrefix("+OK") else { return (status, nil) }
    return (status, try await messageBody())
  }

  /// Reads a RETR/TOP body whose status line was already read.
  func messageBody() async throws -> [UInt8] {
    var message: [UInt8] = []
    for line in try await bodyBytes() { message += line + [13, 10] }
    return message
  }

  /// Logs in with USER/PASS, expecting success.
  func login(_ user: String, _ password: String) async throws {
    #expect(try await command("USER \(user)").hasPrefix("+OK"))
    let reply = try await command("PASS \(password)")
    #expect(reply.hasPrefix("+OK"), "login failed: \(reply)")
  }
}
