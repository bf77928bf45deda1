internal import COpenSSL

/// What a `TLSEngine` step achieved.
public enum TLSResult<Value> {
  /// Done; for `read`, an empty array means the peer sent close_notify.
  case complete(Value)
  /// The engine needs more bytes from the network (`feed`) before it can go on.
  case incomplete
  /// The session failed; the engine is unusable (any alert is in `takeOutput()`).
  case failed(TLSError)
}

extension TLSResult: Sendable where Value: Sendable {}

/// One TLS session on memory BIOs, never touching a socket (the model is swift-nio-ssl's
/// `SSLConnection`): feed it bytes from the network, run a step, send what
/// `takeOutput()` returns. Not thread-safe; `TLSStream` keeps it under a lock.
public final class TLSEngine {
  /// Which side of the handshake this session takes.
  public enum Role: Sendable, Equatable {
    /// Server: presents the certificate SNI selects.
    case server
    /// Client: sends `serverName` as SNI (unless it is an IP literal) and checks the
    /// certificate against it; `verifyPeer` overrides the context's default.
    case client(serverName: String?, verifyPeer: Bool?)
  }

  /// Largest plaintext `read` returns at once (one TLS record).
  public static let maxRecordPlaintext = 16 * 1024
  /// A memory BIO whose buffer grew beyond this is replaced once it is empty.
  static let idleBufferLimit = 4 * 1024

  /// Retained so the SSL_CTXs (and the SNI callback's target) outlive the session.
  private let context: TLSContext
  private let ssl: OpaquePointer
  private let isClient: Bool
  /// The first fatal error; later steps return it without touching OpenSSL again
  /// (which also forbids SSL_shutdown after one).
  private var fatal: TLSError?
  /// Whether the handshake ever completed (OpenSSL forgets it after a fatal error).
  private var established = false

  /// A session from `context` in `role` (which must match the context's role).
  public init(context: TLSContext, role: Role) throws(TLSError) {
    ERR_clear_error()
    switch (role, context.role) {
    case (.server, .server), (.client, .client): break
    default: throw .configuration("a \(context.role) context cannot start a \(role) session")
    }
    guard let ssl = SSL_new(context.primary) else {
      throw .configuration(OpenSSLErrors.drain(fallback: "SSL_new failed"))
    }
    let rbio = Self.makeBIO()
    let wbio = Self.makeBIO()
    guard let rbio, let wbio else {
      if let rbio { BIO_free(rbio) }
      if let wbio { BIO_free(wbio) }
      SSL_free(ssl)
      throw .configuration(OpenSSLErrors.drain(fallback: "BIO_new failed"))
    }
    SSL_set_bio(ssl, rbio, wbio)  // the session owns both BIOs from here on
    self.context = context
    self.ssl = ssl
    switch role {
    case .server:
      isClient = false
      SSL_set_accept_state(ssl)
    case .client(let serverName, let verifyPeer):
      isClient = true
      SSL_set_connect_state(ssl)
      if let verifyPeer, verifyPeer != context.verifiesPeer {
        SSL_set_verify(ssl, verifyPeer ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nil)
      }
      if let serverName {
        try setPeerName(serverName)
      }
    }
  }

  deinit { SSL_free(ssl) }

  private static func makeBIO() -> OpaquePointer? {
    guard let bio = BIO_new(BIO_s_mem()) else { return nil }
    // An empty memory BIO then means "retry later", not end of file.
    _ = cssl_BIO_set_mem_eof_return(bio, -1)
    return bio
  }

  /// SNI and the name the certificate must carry. RFC 6066 §3 forbids IP literals in
  /// SNI, so those are only checked against the certificate's IP SANs.
  private func setPeerName(_ name: String) throws(TLSError) {
    let host = HostName.normalize(name)
    if HostName.canonicalIP(host) != nil {
      guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1 else {
        throw .configuration(OpenSSLErrors.drain(fallback: "bad IP address \(name)"))
      }
      return
    }
    guard HostName.isValidDNSName(host), !host.hasPrefix("*.") else { throw .invalidName(name) }
    guard cssl_set_tlsext_host_name(ssl, host) == 1, SSL_set1_host(ssl, host) == 1 else {
      throw .configuration(OpenSSLErrors.drain(fallback: "cannot set server name \(name)"))
    }
    SSL_set_hostflags(ssl, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
  }

  // MARK: - Network side

  /// Hands bytes received from the network to the session.
  public func feed(_ bytes: some Collection<UInt8>) {
    guard !bytes.isEmpty, let rbio = SSL_get_rbio(ssl) else { return }
    let written: Int32? = bytes.withContiguousStorageIfAvailable {
      BIO_write(rbio, $0.baseAddress, Int32($0.count))
    }
    if written == nil {
      _ = Array(bytes).withUnsafeBufferPointer { BIO_write(rbio, $0.baseAddress, Int32($0.count)) }
    }
  }

  /// Bytes fed but not yet consumed by the session.
  public var bufferedInputCount: Int {
    SSL_get_rbio(ssl).map { Int(BIO_ctrl_pending($0)) } ?? 0
  }

  /// Bytes the session produced for the network and nobody took yet.
  public var pendingOutputCount: Int {
    SSL_get_wbio(ssl).map { Int(BIO_ctrl_pending($0)) } ?? 0
  }

  /// Takes everything the session has produced for the network (handshake messages,
  /// records, alerts) in order; the caller must send it before the next `takeOutput`'s.
  public func takeOutput() -> [UInt8] {
    guard let wbio = SSL_get_wbio(ssl) else { return [] }
    let out = MemoryBIO.bytes(wbio)
    if cssl_BIO_mem_capacity(wbio) > Self.idleBufferLimit, let fresh = Self.makeBIO() {
      SSL_set0_wbio(ssl, fresh)  // frees the grown one
    }
    return out
  }

  // MARK: - Steps

  /// Whether the handshake has completed.
  public var isHandshakeComplete: Bool { SSL_is_init_finished(ssl) == 1 }

  /// Advances the handshake.
  public func handshake() -> TLSResult<Void> {
    if let fatal { return .failed(fatal) }
    ERR_clear_error()
    let r = SSL_do_handshake(ssl)
    if r == 1 {
      established = true
      return .complete(())
    }
    switch outcome(r) {
    case .failed(let e): return .failed(e)
    case .incomplete: return .incomplete
    case .complete: return .failed(.closedDuringHandshake)
    }
  }

  /// Decrypts up to `max` bytes (at most one record's worth). `.complete([])` means the
  /// peer sent close_notify.
  public func read(max: Int) -> TLSResult<[UInt8]> {
    precondition(max > 0, "read(max:) needs a positive maximum")
    if let fatal { return .failed(fatal) }
    let want = Swift.min(max, Self.maxRecordPlaintext)
    noteEstablished()
    ERR_clear_error()
    var ret: Int32 = 0
    let bytes = [UInt8](unsafeUninitializedCapacity: want) { buf, n in
      ret = SSL_read(ssl, buf.baseAddress, Int32(want))
      n = ret > 0 ? Int(ret) : 0
    }
    if ret > 0 {
      compactInput()
      return .complete(bytes)
    }
    switch outcome(ret) {
    case .failed(let e): return .failed(e)
    case .incomplete:
      compactInput()
      return .incomplete
    case .complete: return .complete([])
    }
  }

  /// Encrypts `bytes` into records ready in `takeOutput()`. Callers bound memory by
  /// passing at most a record or so at a time.
  public func write(_ bytes: some Collection<UInt8>) -> TLSResult<Int> {
    if let fatal { return .failed(fatal) }
    if bytes.isEmpty { return .complete(0) }
    noteEstablished()
    ERR_clear_error()
    let r: Int32 =
      bytes.withContiguousStorageIfAvailable { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
      ?? Array(bytes).withUnsafeBufferPointer { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
    if r > 0 { return .complete(Int(r)) }
    switch outcome(r) {
    case .failed(let e): return .failed(e)
    case .incomplete: return .incomplete
    case .complete: return .failed(.protocolFailure("the peer closed the session"))
    }
  }

  /// Queues close_notify (it lands in `takeOutput()`). Does nothing after a fatal error
  /// or before the handshake finished, where TLS has nothing to close cleanly.
  public func shutdown() {
    guard fatal == nil, isHandshakeComplete else { return }
    ERR_clear_error()
    _ = SSL_shutdown(ssl)
    ERR_clear_error()
  }

  /// Swaps a drained, grown input BIO for a fresh one (BIO_s_mem never shrinks).
  private func compactInput() {
    guard let rbio = SSL_get_rbio(ssl), BIO_ctrl_pending(rbio) == 0,
      cssl_BIO_mem_capacity(rbio) > Self.idleBufferLimit, let fresh = Self.makeBIO()
    else { return }
    SSL_set0_rbio(ssl, fresh)
  }

  private enum Outcome {
    case complete
    case incomplete
    case failed(TLSError)
  }

  /// Maps a non-success return to what the caller should do. Must run before anything
  /// else touches the error queue.
  private func outcome(_ ret: Int32) -> Outcome {
    let code = SSL_get_error(ssl, ret)
    switch code {
    case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
      return .incomplete
    case SSL_ERROR_ZERO_RETURN:
      return .complete
    case SSL_ERROR_SYSCALL:
      return .failed(failure(OpenSSLErrors.drain(fallback: "unexpected end of stream")))
    default:
      var reason = OpenSSLErrors.drain(fallback: "error \(code)")
      let verify = SSL_get_verify_result(ssl)
      if isClient, verify != X509_V_OK, let text = X509_verify_cert_error_string(verify) {
        reason += ": " + String(cString: text)
      }
      return .failed(failure(reason))
    }
  }

  /// Records and returns the session's fatal error.
  private func failure(_ reason: String) -> TLSError {
    let error: TLSError = established ? .protocolFailure(reason) : .handshake(reason)
    fatal = error
    return error
  }

  private func noteEstablished() {
    if !established { established = isHandshakeComplete }
  }

  // MARK: - Session facts

  /// The negotiated protocol, as OpenSSL names it ("TLSv1.3"); nil before the handshake.
  public var protocolVersion: String? {
    guard isHandshakeComplete, let v = SSL_get_version(ssl) else { return nil }
    return String(cString: v)
  }

  /// The negotiated cipher suite, OpenSSL's name ("TLS_AES_128_GCM_SHA256").
  public var cipher: String? {
    guard isHandshakeComplete, let c = SSL_get_current_cipher(ssl),
      let name = SSL_CIPHER_get_name(c)
    else { return nil }
    return String(cString: name)
  }

  /// Server side: the SNI host name the client sent, lowercased; nil without SNI.
  /// Client side: the name this session asked for.
  public var serverName: String? {
    guard let name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name) else { return nil }
    return HostName.normalize(String(cString: name))
  }

  /// Client side: the names in the server's certificate (`CertificateInfo.names`).
  public var peerCertificateNames: [String] {
    guard let cert = SSL_get1_peer_certificate(ssl) else { return [] }
    defer { X509_free(cert) }
    return CertificateInfo(x509: cert).names
  }

  /// Client side: whether the server's chain and name verified, even when verification
  /// was not required (for logs and Received headers).
  public var peerVerified: Bool {
    guard let cert = SSL_get1_peer_certificate(ssl) else { return false }
    X509_free(cert)
    return SSL_get_verify_result(ssl) == X509_V_OK
  }
}

@available(*, unavailable)
extension TLSEngine: Sendable {}
