import Net
import SMTPCore
import TLS

/// The client's side of one SMTP connection: writes commands, reads replies with a
/// deadline each, and swaps the plain stream for TLS after STARTTLS. Owned by one task.
final class ClientConnection {
  let tcp: TCPConnection
  private(set) var stream: any ByteStream
  private let reader: BufferedReader
  private var parser: ReplyParser
  private let limits: SMTPLimits
  /// The TLS session, once there is one.
  private(set) var tls: TLSStream?

  init(tcp: TCPConnection, limits: SMTPLimits) {
    self.tcp = tcp
    self.stream = tcp
    self.reader = BufferedReader(tcp, chunkSize: 8192)
    self.parser = ReplyParser(limits: limits)
    self.limits = limits
  }

  /// Opens a TCP connection to `address`.
  static func open(
    _ address: SocketAddress, reactor: Reactor, timeouts: SMTPClientTimeouts, limits: SMTPLimits
  ) async throws(SessionFailure) -> ClientConnection {
    let tcp: TCPConnection
    do {
      tcp = try await TCPConnection.connect(
        to: address, reactor: reactor, timeout: timeouts.connect)
    } catch is CancellationError {
      throw .cancelled
    } catch NetError.timedOut {
      throw .connect(address: address.host, reason: "no answer within \(timeouts.connect)")
    } catch {
      throw .connect(address: address.host, reason: "\(error)")
    }
    // A peer that stops reading our data for this long is gone (RFC 5321 §4.5.3.2.5).
    tcp.writeTimeout = timeouts.dataBlock
    return ClientConnection(tcp: tcp, limits: limits)
  }

  /// Writes `bytes` (one or more commands, or message data).
  func send(_ bytes: [UInt8], stage: String) async throws(SessionFailure) {
    do {
      try await stream.write(bytes)
    } catch {
      throw SessionFailure.from(error, stage: stage)
    }
  }

  /// Writes one command.
  func send(_ command: Command) async throws(SessionFailure) {
    try await send(command.encoded(), stage: command.verb.rawValue)
  }

  /// Reads one whole reply, waiting at most `timeout` for it.
  func readReply(timeout: Duration, stage: String) async throws(SessionFailure) -> Reply {
    let deadline = ContinuousClock.now + timeout
    while true {
      let line: BufferedReader.Line
      do {
        line = try await reader.readLine(limit: limits.replyLineLength, deadline: deadline)
      } catch {
        throw SessionFailure.from(error, stage: stage)
      }
      switch line {
      case .eof:
        throw .closed(stage: stage)
      case .tooLong:
        throw .badReply(stage: stage, reason: "reply line longer than \(limits.replyLineLength)")
      case .line(let bytes, _):
        do {
          if let reply = try parser.parse(line: bytes) { return reply }
        } catch {
          throw .badReply(stage: stage, reason: error.description)
        }
      }
    }
  }

  /// Sends `command` and reads its reply.
  func exchange(_ command: Command, timeout: Duration) async throws(SessionFailure) -> Reply {
    try await send(command)
    return try await readReply(timeout: timeout, stage: command.verb.rawValue)
  }

  /// Runs the client side of a TLS handshake over the connection (after the server's 220
  /// to STARTTLS, or at once for implicit TLS). Anything the server sent in plain text
  /// before the handshake is dropped (RFC 3207 §4.2, CVE-2011-0411).
  func startTLS(
    context: TLSContext, serverName: String?, verify: Bool, timeout: Duration
  ) async throws(SessionFailure) {
    reader.discardBuffered()
    // The handshake reads without deadlines of its own; the socket's idle timeout bounds it.
    tcp.readTimeout = timeout
    defer { tcp.readTimeout = nil }
    let session: TLSStream
    do {
      do {
        session = try await TLSStream.connect(
          over: tcp, context: context, serverName: serverName, verifyPeer: verify)
      } catch TLSError.invalidName {
        // A host name TLS cannot carry (an `_` in it, say): no SNI, no name check.
        guard !verify else { throw TLSError.invalidName(serverName ?? "") }
        session = try await TLSStream.connect(
          over: tcp, context: context, serverName: nil, verifyPeer: verify)
      }
    } catch let e as TLSError {
      throw .tlsHandshake(e.description)
    } catch {
      // A peer that drops the connection mid-handshake failed the handshake: whether
      // OpenSSL or the socket notices first is a race, and the policy must not depend on
      // it (RFC 7435 plaintext fallback).
      switch SessionFailure.from(error, stage: "TLS handshake") {
      case .closed, .io:
        throw .tlsHandshake("the connection ended during the handshake (\(error))")
      case let other:
        throw other
      }
    }
    tls = session
    stream = session
    reader.replace(stream: session)
    parser = ReplyParser(limits: limits)
  }

  /// Sends QUIT and waits briefly for its reply, then closes; never fails.
  func quit(timeout: Duration) async {
    if (try? await send(.quit)) != nil {
      _ = try? await readReply(timeout: timeout, stage: "QUIT")
    }
    await close()
  }

  func close() async {
    if let tls { await tls.close() }
    tcp.close()
  }
}
