internal import COpenSSL

/// Configuration shared by many TLS sessions: certificates and SNI selection for a
/// server, trust store and version bounds for a client. Build one per configuration
/// (and a new one on reload); sessions keep the context they started with alive.
///
/// `@unchecked Sendable`: it only wraps SSL_CTX objects, which OpenSSL locks internally
/// and which are never reconfigured after the factory returns.
public final class TLSContext: @unchecked Sendable {
  /// Which side of a handshake sessions from this context take.
  public enum Role: Sendable, Equatable {
    case server
    case client
  }

  /// A PEM certificate chain (leaf first) and its PEM private key.
  public struct CertificateFiles: Sendable, Hashable {
    public var certPath: String
    public var keyPath: String

    public init(certPath: String, keyPath: String) {
      self.certPath = certPath
      self.keyPath = keyPath
    }
  }

  /// TLS 1.2 suites: ECDHE key exchange with AEAD ciphers only, in server
  /// preference order (AES-GCM has hardware support here; ChaCha20 for the rest).
  static let tls12Ciphers = [
    "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
  ].joined(separator: ":")
  /// TLS 1.3 suites (all three are AEAD; the order is the server's preference).
  static let tls13Ciphers =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"

  /// Server or client.
  public let role: Role
  /// For a server, the checkable names of each certificate (see `CertificateInfo.names`),
  /// in configuration order; empty for a client.
  public let certificateNames: [[String]]
  /// For a client, whether sessions verify the server's chain and name unless a
  /// `connect` call says otherwise.
  public let verifiesPeer: Bool

  /// The SSL_CTX new sessions start from; for a server it holds the default certificate.
  let primary: OpaquePointer
  /// One SSL_CTX per certificate for SNI (index 0 is `primary`).
  private let perCertificate: [OpaquePointer]
  /// Normalized SAN names (or CN) of each certificate, for SNI matching.
  private let matchNames: [[String]]

  private init(
    role: Role, contexts: [OpaquePointer], names: [[String]], verifiesPeer: Bool
  ) {
    self.role = role
    self.primary = contexts[0]
    self.perCertificate = contexts
    self.certificateNames = names
    self.matchNames = names.map { $0.map(HostName.normalize) }
    self.verifiesPeer = verifiesPeer
  }

  deinit {
    for ctx in perCertificate { SSL_CTX_free(ctx) }
  }

  // MARK: - Server

  /// A server context with one or more certificates. A client's SNI host name picks
  /// the certificate whose SAN DNS names (wildcards included; else its CN) match, exact
  /// names before wildcards; without SNI or without a match, the first one is used.
  /// TLS 1.2 and 1.3 only, ECDHE+AEAD suites in server order, no renegotiation, no
  /// compression, buffers released while idle.
  public static func server(certificates: [CertificateFiles]) throws(TLSError) -> TLSContext {
    guard !certificates.isEmpty else {
      throw .configuration("a server context needs at least one certificate")
    }
    var contexts: [OpaquePointer] = []
    var names: [[String]] = []
    do throws(TLSError) {
      for files in certificates {
        let ctx = try makeServerContext()
        contexts.append(ctx)
        names.append(try loadCertificate(files, into: ctx))
      }
    } catch {
      for ctx in contexts { SSL_CTX_free(ctx) }
      throw error
    }
    let context = TLSContext(role: .server, contexts: contexts, names: names, verifiesPeer: false)
    // The callback runs during handshakes of sessions that retain `context`, so an
    // unretained pointer stays valid for as long as it can be called.
    cssl_CTX_set_tlsext_servername_callback(context.primary, selectCertificate)
    cssl_CTX_set_tlsext_servername_arg(
      context.primary, Unmanaged.passUnretained(context).toOpaque())
    return context
  }

  /// Index (into `certificateNames`) of the certificate a client asking for
  /// `serverName` gets.
  public func certificateIndex(forServerName serverName: String?) -> Int {
    guard let serverName else { return 0 }
    let host = HostName.normalize(serverName)
    if let i = matchNames.firstIndex(where: { $0.contains(host) }) { return i }
    let wildcard = matchNames.firstIndex { names in
      names.contains { $0.hasPrefix("*.") && HostName.matches(pattern: $0, host: host) }
    }
    return wildcard ?? 0
  }

  /// Moves a session to the SSL_CTX of the certificate for `serverName`.
  fileprivate func select(ssl: OpaquePointer, serverName: String) {
    let index = certificateIndex(forServerName: serverName)
    if index != 0 { SSL_set_SSL_CTX(ssl, perCertificate[index]) }
  }

  private static func makeServerContext() throws(TLSError) -> OpaquePointer {
    ERR_clear_error()
    guard let ctx = SSL_CTX_new(TLS_server_method()) else {
      throw .configuration(OpenSSLErrors.drain(fallback: "SSL_CTX_new failed"))
    }
    do throws(TLSError) {
      try applyCommonSettings(ctx, minimum: .tls12, maximum: .tls13)
      SSL_CTX_set_options(ctx, cssl_OP_CIPHER_SERVER_PREFERENCE())
      guard SSL_CTX_set_cipher_list(ctx, tls12Ciphers) == 1,
        SSL_CTX_set_ciphersuites(ctx, tls13Ciphers) == 1
      else {
        throw TLSError.configuration(OpenSSLErrors.drain(fallback: "cipher list rejected"))
      }
      // A bounded session cache; TLS 1.3 resumption uses stateless tickets anyway.
      _ = cssl_CTX_set_session_cache_mode(ctx, cssl_SESS_CACHE_SERVER())
      _ = cssl_CTX_sess_set_cache_size(ctx, 4096)
      SSL_CTX_set_default_passwd_cb(ctx, refusePassphrase)
    } catch {
      SSL_CTX_free(ctx)
      throw error
    }
    return ctx
  }

  /// Loads a chain and key into `ctx`; returns the leaf certificate's names.
  private static func loadCertificate(
    _ files: CertificateFiles, into ctx: OpaquePointer
  ) throws(TLSError) -> [String] {
    ERR_clear_error()
    guard SSL_CTX_use_certificate_chain_file(ctx, files.certPath) == 1 else {
      throw .certificate(
        path: files.certPath,
        reason: OpenSSLErrors.drain(fallback: "cannot load the certificate chain"))
    }
    guard SSL_CTX_use_PrivateKey_file(ctx, files.keyPath, SSL_FILETYPE_PEM) == 1,
      SSL_CTX_check_private_key(ctx) == 1
    else {
      // OpenSSL reports an unreadable key and a mismatched one alike: re-reading the
      // key tells them apart (and throws the precise reason if it is unreadable).
      EVP_PKEY_free(try X509File.readKey(files.keyPath))
      throw .certificate(
        path: files.keyPath,
        reason: "private key does not match the certificate \(files.certPath)")
    }
    guard let leaf = SSL_CTX_get0_certificate(ctx) else {
      throw .certificate(path: files.certPath, reason: "no certificate in file")
    }
    return CertificateInfo(x509: leaf).names
  }

  // MARK: - Client

  /// A client context. With `verifyPeer` (the default for each `connect` that does not
  /// override it) the server's chain is checked against `trustedCertificatesPath` (a PEM
  /// bundle) or else the system CA store, and its name against the one passed to
  /// `connect`. Reuse one context for many connections: loading the store costs time
  /// and memory.
  ///
  /// `minimumVersion` below TLS 1.2 is for opportunistic outbound delivery to legacy
  /// servers only (RFC 7435: weak encryption beats plain text); it also lowers OpenSSL's
  /// security level to 0, without which OpenSSL 3 never offers those versions.
  public static func client(
    verifyPeer: Bool = true, trustedCertificatesPath: String? = nil,
    minimumVersion: TLSVersion = .tls12, maximumVersion: TLSVersion = .tls13
  ) throws(TLSError) -> TLSContext {
    guard minimumVersion <= maximumVersion else {
      throw .configuration(
        "minimum version \(minimumVersion.name) is above maximum \(maximumVersion.name)")
    }
    ERR_clear_error()
    guard let ctx = SSL_CTX_new(TLS_client_method()) else {
      throw .configuration(OpenSSLErrors.drain(fallback: "SSL_CTX_new failed"))
    }
    do throws(TLSError) {
      try applyCommonSettings(ctx, minimum: minimumVersion, maximum: maximumVersion)
      if minimumVersion < .tls12 {
        SSL_CTX_set_security_level(ctx, 0)
        guard SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0") == 1 else {
          throw TLSError.configuration(OpenSSLErrors.drain(fallback: "cipher list rejected"))
        }
      }
      if let path = trustedCertificatesPath {
        guard SSL_CTX_load_verify_locations(ctx, path, nil) == 1 else {
          throw TLSError.certificate(
            path: path, reason: OpenSSLErrors.drain(fallback: "cannot load trusted certificates"))
        }
      } else if SSL_CTX_set_default_verify_paths(ctx) != 1 {
        throw TLSError.configuration(
          OpenSSLErrors.drain(fallback: "cannot load the system CA store"))
      }
      SSL_CTX_set_verify(ctx, verifyPeer ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nil)
    } catch {
      SSL_CTX_free(ctx)
      throw error
    }
    return TLSContext(role: .client, contexts: [ctx], names: [], verifiesPeer: verifyPeer)
  }

  // MARK: - Shared

  private static func applyCommonSettings(
    _ ctx: OpaquePointer, minimum: TLSVersion, maximum: TLSVersion
  ) throws(TLSError) {
    guard cssl_CTX_set_min_proto_version(ctx, minimum.openSSLValue) == 1,
      cssl_CTX_set_max_proto_version(ctx, maximum.openSSLValue) == 1
    else {
      throw .configuration(OpenSSLErrors.drain(fallback: "protocol version bounds rejected"))
    }
    SSL_CTX_set_options(ctx, cssl_OP_NO_RENEGOTIATION() | cssl_OP_NO_COMPRESSION())
    // Free the ~34 KB of record buffers while a connection is idle; with TLSEngine's
    // BIO compaction an idle server session measured ~17 KB here (issue 2: <= 64 KB).
    _ = cssl_CTX_set_mode(ctx, cssl_MODE_RELEASE_BUFFERS())
  }
}

/// The SNI callback: switches the session to the certificate for the requested name.
/// Always answers OK, so a client asking for an unknown name gets the default
/// certificate instead of a failed handshake.
private let selectCertificate:
  @convention(c) (
    OpaquePointer?, UnsafeMutablePointer<Int32>?, UnsafeMutableRawPointer?
  ) -> Int32 = { ssl, _, arg in
    guard let ssl, let arg, let name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name) else {
      return cssl_SSL_TLSEXT_ERR_OK()
    }
    let context = Unmanaged<TLSContext>.fromOpaque(arg).takeUnretainedValue()
    context.select(ssl: ssl, serverName: String(cString: name))
    return cssl_SSL_TLSEXT_ERR_OK()
  }
