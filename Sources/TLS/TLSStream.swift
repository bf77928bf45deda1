import Net
import Synchronization

/// A TLS session over another `ByteStream` (a TCP connection, or anything else), itself
/// a `ByteStream`, so protocol code cannot tell it from a plain connection.
///
/// Implicit TLS and STARTTLS are the same call: `accept(over:context:)` reads the
/// handshake from the underlying stream only. For STARTTLS the caller must discard
/// whatever plaintext it had buffered before calling it (CVE-2011-0411); nothing
/// read earlier is ever reused here.
///
/// One reader and one writer may run concurrently (IMAP IDLE reads while another task
/// writes). Memory stays bounded: writes are encrypted and sent a record at a time,
/// and at most one network chunk is read ahead.
public final class TLSStream: ByteStream {
  /// Plaintext encrypted per step when writing (one full TLS record).
  static let writeChunk = TLSEngine.maxRecordPlaintext
  /// Bytes asked of the underlying stream per read: a full record with its overhead.
  static let networkChunk = 17 * 1024

  /// The negotiated protocol, as OpenSSL names it ("TLSv1.2", "TLSv1.3").
  public let protocolVersion: String
  /// The negotiated cipher suite, OpenSSL's name ("TLS_AES_128_GCM_SHA256").
  public let cipher: String
  /// Server side: the SNI host name the client sent, lowercased, or nil.
  /// Client side: the name given to `connect` (if not an IP literal).
  public let serverName: String?
  /// Client side: the SAN DNS names and IP addresses (else the CN) of the server's
  /// certificate. Empty on the server side (Posta asks for no client certificates).
  public let peerCertificateNames: [String]
  /// Client side: whether the server's certificate chain and name verified, also when
  /// verification was not required. False on the server side.
  public let peerVerified: Bool

  private let underlying: any ByteStream
  private let engine: Mutex<TLSEngine>
  /// Held by the one reader at a time.
  private let readLock = AsyncLock()
  /// Held while taking output from the engine and sending it, so records reach the
  /// network in the order the session produced them.
  private let sendLock = AsyncLock()
  private let closed = Atomic<Bool>(false)

  private init(underlying: any ByteStream, engine: sending TLSEngine) {
    self.underlying = underlying
    protocolVersion = engine.protocolVersion ?? "unknown"
    cipher = engine.cipher ?? "unknown"
    serverName = engine.serverName
    peerCertificateNames = engine.peerCertificateNames
    peerVerified = engine.peerVerified
    self.engine = Mutex(engine)
  }

  /// Runs the server side of a handshake over `stream` with a server `context`.
  /// Throws `TLSError` for handshake failures (after sending the alert), and whatever
  /// the underlying stream throws (I/O errors, cancellation).
  public static func accept(over stream: any ByteStream, context: TLSContext) async throws
    -> TLSStream
  {
    let engine = try TLSEngine(context: context, role: .server)
    try await handshake(engine, over: stream)
    return TLSStream(underlying: stream, engine: engine)
  }

  /// Runs the client side of a handshake over `stream`. `serverName` is sent as SNI
  /// (unless it is an IP literal) and checked against the certificate when verification
  /// is on; `verifyPeer` overrides the context's default for this connection.
  public static func connect(
    over stream: any ByteStream, context: TLSContext, serverName: String?,
    verifyPeer: Bool? = nil
  ) async throws -> TLSStream {
    let engine = try TLSEngine(
      context: context, role: .client(serverName: serverName, verifyPeer: verifyPeer))
    try await handshake(engine, over: stream)
    return TLSStream(underlying: stream, engine: engine)
  }

  private static func handshake(_ engine: TLSEngine, over stream: any ByteStream) async throws {
    while true {
      let result = engine.handshake()
      let out = engine.takeOutput()
      switch result {
      case .complete:
        if !out.isEmpty { try await stream.write(out) }
        return
      case .failed(let error):
        // Best effort: the alert tells the peer why; the TLS error matters more.
        if !out.isEmpty { try? await stream.write(out) }
        throw error
      case .incomplete:
        if !out.isEmpty { try await stream.write(out) }
        let chunk = try await stream.read(max: networkChunk)
        if chunk.isEmpty { throw TLSError.closedDuringHandshake }
        engine.feed(chunk)
      }
    }
  }

  /// Reads up to `max` decrypted bytes (at most one record's worth). Returns an empty
  /// array at the end of the stream: after the peer's close_notify, and also when the
  /// connection simply ends (many mail clients close without close_notify; the
  /// protocols' own framing detects truncation).
  public func read(max: Int) async throws -> [UInt8] {
    try await read(max: max, deadline: nil)
  }

  /// Like `read(max:)`; the deadline is passed to the stream beneath, so idle
  /// timeouts work the same with and without TLS.
  public func read(max: Int, deadline: ContinuousClock.Instant?) async throws -> [UInt8] {
    precondition(max > 0, "read(max:) needs a positive maximum")
    await readLock.lock()
    defer { readLock.unlock() }
    while true {
      let (result, hasOutput) = engine.withLock { e in
        let r = e.read(max: max)
        return (r, e.pendingOutputCount > 0)
      }
      // TLS 1.3 key updates make reading produce records to send.
      if hasOutput { try await flush() }
      switch result {
      case .complete(let bytes):
        return bytes
      case .failed(let error):
        throw error
      case .incomplete:
        if closed.load(ordering: .acquiring) { return [] }
        let chunk = try await underlying.read(max: Self.networkChunk, deadline: deadline)
        if chunk.isEmpty { return [] }
        engine.withLock { $0.feed(chunk) }
      }
    }
  }

  /// Encrypts and sends all of `bytes`, one record at a time.
  public func write(_ bytes: [UInt8]) async throws {
    if closed.load(ordering: .acquiring) { throw TLSError.streamClosed }
    await sendLock.lock()
    defer { sendLock.unlock() }
    var offset = 0
    while offset < bytes.count {
      let end = Swift.min(offset + Self.writeChunk, bytes.count)
      let (result, out) = engine.withLock { e in
        let r = e.write(bytes[offset..<end])
        return (r, e.takeOutput())
      }
      if !out.isEmpty { try await underlying.write(out) }
      switch result {
      case .complete(let n):
        offset += n
      case .failed(let error):
        throw error
      case .incomplete:
        // Only renegotiation makes a write wait for input, and it is disabled.
        throw TLSError.protocolFailure("the peer requested a renegotiation")
      }
    }
  }

  /// Sends close_notify and closes the underlying stream. Does not wait for the peer's
  /// close_notify. If a write is stuck on a peer that does not read, the underlying
  /// stream is closed without close_notify rather than waiting. Idempotent.
  public func close() async {
    if closed.exchange(true, ordering: .acquiringAndReleasing) { return }
    if sendLock.tryLock() {
      let out = engine.withLock { e in
        e.shutdown()
        return e.takeOutput()
      }
      if !out.isEmpty { try? await underlying.write(out) }
      sendLock.unlock()
    }
    await underlying.close()
  }

  /// Sends whatever the session has produced.
  private func flush() async throws {
    await sendLock.lock()
    defer { sendLock.unlock() }
    let out = engine.withLock { $0.takeOutput() }
    if !out.isEmpty { try await underlying.write(out) }
  }
}
