import Crypto
import Net
import PostaTestSupport
import TLS
import Testing

@Suite struct TLSStreamTests {
  static let alphaNames = ["mail.alpha.test", "alpha.test", "127.0.0.1", "::1"]
  static let betaNames = ["imap.beta.test", "*.beta.test"]

  @Test func tls13HandshakeAndDataBothWays() async throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let files = try makeCertificate(in: dir, "alpha", names: Self.alphaNames)
    let server = try TLSContext.server(certificates: [files])
    let client = try TLSContext.client(verifyPeer: false)

    let outcome = await runHandshake(server: server, client: client, serverName: "mail.alpha.test")
    let (s, c) = try outcome.streams()
    #expect(s.protocolVersion == "TLSv1.3")
    #expect(c.protocolVersion == "TLSv1.3")
    // The client lists TLS_AES_256_GCM_SHA384 first; the server's order wins.
    #expect(s.cipher == "TLS_AES_128_GCM_SHA256")
    #expect(c.cipher == s.cipher)
    #expect(s.serverName == "mail.alpha.test")
    #expect(c.peerCertificateNames == Self.alphaNames)
    #expect(!c.peerVerified)  // self-signed, verification off
    #expect(s.peerCertificateNames.isEmpty)

    try await c.write(Array("EHLO client.test\r\n".utf8))
    #expect(try await readExactly(s, 18) == Array("EHLO client.test\r\n".utf8))
    try await s.write(Array("250 ok\r\n".utf8))
    #expect(try await readExactly(c, 8) == Array("250 ok\r\n".utf8))
    await c.close()
    await s.close()
  }

  @Test func tls12HandshakeAndDataBothWays() async throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let files = try makeCertificate(in: dir, "alpha", names: Self.alphaNames)
    let server = try TLSContext.server(certificates: [files])
    let client = try TLSContext.client(verifyPeer: false, maximumVersion: .tls12)

    let (s, c) = try await runHandshake(server: server, client: client, serverName: "alpha.test")
      .streams()
    #expect(s.protocolVersion == "TLSv1.2")
    #expect(c.protocolVersion == "TLSv1.2")
    // ECDHE + AEAD in the server's order (the client would pick AES256 first).
    #expect(s.cipher == "ECDHE-RSA-AES128-GCM-SHA256")
    #expect(c.cipher == s.cipher)
    #expect(s.serverName == "alpha.test")

    try await s.write(Array("+OK POP3 ready\r\n".utf8))
    #expect(try await readExactly(c, 16) == Array("+OK POP3 ready\r\n".utf8))
    try await c.write(Array("CAPA\r\n".utf8))
    #expect(try await readExactly(s, 6) == Array("CAPA\r\n".utf8))
  }

  @Test func sniSelectsTheCertificateByName() async throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let alpha = try makeCertificate(in: dir, "alpha", names: Self.alphaNames)
    let beta = try makeCertificate(in: dir, "beta", names: Self.betaNames)
    let server = try TLSContext.server(certificates: [alpha, beta])
    let client = try TLSContext.client(verifyPeer: false)
    #expect(server.certificateNames == [Self.alphaNames, Self.betaNames])

    let cases: [(sni: String?, names: [String], reported: String?)] = [
      ("imap.beta.test", Self.betaNames, "imap.beta.test"),
      ("Other.Beta.TEST", Self.betaNames, "other.beta.test"),  // wildcard, any case
      ("mail.alpha.test", Self.alphaNames, "mail.alpha.test"),
      ("unknown.example", Self.alphaNames, "unknown.example"),  // no match: the default
      ("a.b.beta.test", Self.alphaNames, "a.b.beta.test"),  // a wildcard covers one label
      (nil, Self.alphaNames, nil),  // no SNI: the default
    ]
    for (sni, names, reported) in cases {
      let (s, c) = try await runHandshake(server: server, client: client, serverName: sni)
        .streams()
      #expect(c.peerCertificateNames == names, "SNI \(sni ?? "none")")
      #expect(s.serverName == reported, "SNI \(sni ?? "none")")
    }
  }

  @Test func certificateIndexMatching() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let a = try makeCertificate(in: dir, "a", names: ["*.example.test", "example.test"])
    let b = try makeCertificate(in: dir, "b", names: ["imap.example.test"])
    let server = try TLSContext.server(certificates: [a, b])
    // An exact name beats a wildcard listed earlier.
    #expect(server.certificateIndex(forServerName: "imap.example.test") == 1)
    #expect(server.certificateIndex(forServerName: "IMAP.example.test.") == 1)
    #expect(server.certificateIndex(forServerName: "smtp.example.test") == 0)
    #expect(server.certificateIndex(forServerName: "example.test") == 0)
    #expect(server.certificateIndex(forServerName: "nowhere.test") == 0)
    #expect(server.certificateIndex(forServerName: nil) == 0)
  }

  @Test func verifyingClientRejectsSelfSignedCertificate() async throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let files = try makeCertificate(in: dir, "alpha", names: Self.alphaNames)
    let server = try TLSContext.server(certificates: [files])
    let client = try TLSContext.client()  // system CA store, verification on

    let outcome = await runHandshake(server: server, client: client, serverName: "mail.alpha.test")
    guard case .handshake(let reason) = outcome.client.tlsError else {
      Issue.record("expected a handshake error, got \(outcome.client)")
      return
    }
    #expect(reason.contains("certificate verify failed"))
    #expect(reason.contains("self-signed certificate"))
    #expect(outcome.server.tlsError != nil)  // the server got the client's alert

    // The same client context connects when this call turns verification off.
    let relaxed = await runHandshake(
      server: server, client: client, serverName: "mail.alpha.test", verifyPeer: false)
    #expect(try relaxed.streams().client.peerCertificateNames == Self.alphaNames)
  }

  @Test func verifyingClientChecksTheNameAgainstATrustedCertificate() async throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let files = try makeCertificate(in: dir, "alpha", names: Self.alphaNames)
    let server = try TLSContext.server(certificates: [files])
    let client = try TLSContext.client(trustedCertificatesPath: files.certPath)

    let good = try await runHandshake(
      server: server, client: client, serverName: "mail.alpha.test"
    ).streams()
    #expect(good.client.peerVerified)

    // An IP literal is checked against the IP SANs and never sent as SNI (RFC 6066 §3).
    let byIP = try await runHandshake(server: server, client: client, serverName: "::1").streams()
    #expect(byIP.client.peerVerified)
    #expect(byIP.server.serverName == nil)

    let wrong = await runHandshake(server: server, client: client, serverName: "other.test")
    guard case .handshake(let reason) = wrong.client.tlsError else {
      Issue.record("expected a handshake error, got \(wrong.client)")
      return
    }
    #expect(reason.lowercased().contains("hostname mismatch"))
  }

  @Test func tls11AndOlderAreRefused() async throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let files = try makeCertificate(in: dir, "alpha", names: Self.alphaNames)
    let server = try TLSContext.server(certificates: [files])
    for maximum in [TLSVersion.tls11, .tls10] {
      let legacy = try TLSContext.client(
        verifyPeer: false, minimumVersion: .tls10, maximumVersion: maximum)
      let outcome = await runHandshake(server: server, client: legacy, serverName: "alpha.test")
      guard case .handshake(let serverReason) = outcome.server.tlsError,
        case .handshake(let clientReason) = outcome.client.tlsError
      else {
        Issue.record("expected both sides to fail: \(outcome.server) / \(outcome.client)")
        continue
      }
      #expect(serverReason.contains("unsupported protocol"), "\(maximum)")
      #expect(clientReason.contains("protocol version"), "\(maximum)")
    }
  }

  @Test func megabyteEchoWithConcurrentReadAndWrite() async throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let files = try makeCertificate(in: dir, "alpha", names: Self.alphaNames)
    let server = try TLSContext.server(certificates: [files])
    let client = try TLSContext.client(verifyPeer: false)
    // A small pipe forces both sides through backpressure many times.
    let outcome = await runHandshake(
      server: server, client: client, serverName: "alpha.test", capacity: 8 * 1024)
    let (s, c) = try outcome.streams()

    var payload = [UInt8](repeating: 0, count: 1 << 20)
    for i in payload.indices { payload[i] = UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 7) }
    let sent = payload

    // The server echoes whatever it reads until the client's close_notify.
    let echo = Task {
      var total = 0
      while true {
        let chunk = try await s.read(max: 10_000)
        if chunk.isEmpty { break }
        total += chunk.count
        try await s.write(chunk)
      }
      await s.close()
      return total
    }
    async let received = readExactly(c, sent.count)
    // Odd-sized writes so records and network chunks never line up.
    var offset = 0
    while offset < sent.count {
      let end = min(offset + 40_001, sent.count)
      try await c.write(Array(sent[offset..<end]))
      offset = end
    }
    let back = try await received
    await c.close()
    #expect(try await echo.value == sent.count)
    #expect(back.count == sent.count)
    #expect(SHA256.hash(back) == SHA256.hash(sent))
    // Both ends sent at most one record per network write (memory stays bounded).
    #expect(outcome.clientEnd.largestWrite.load(ordering: .relaxed) <= 16_384 + 256)
    #expect(outcome.serverEnd.largestWrite.load(ordering: .relaxed) <= 16_384 + 256)
  }

  @Test func closeNotifyEndsThePeersRead() async throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let files = try makeCertificate(in: dir, "alpha", names: Self.alphaNames)
    let server = try TLSContext.server(certificates: [files])
    let client = try TLSContext.client(verifyPeer: false)
    let (s, c) = try await runHandshake(server: server, client: client, serverName: nil).streams()

    try await c.write(Array("QUIT\r\n".utf8))
    await c.close()
    #expect(try await readExactly(s, 6) == Array("QUIT\r\n".utf8))
    #expect(try await s.read(max: 100) == [])
    await c.close()  // idempotent
    await #expect(throws: TLSError.streamClosed) { try await c.write([1]) }
  }

  @Test func closeDoesNotWaitForAWriteStuckOnAPeerThatDoesNotRead() async throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let files = try makeCertificate(in: dir, "alpha", names: Self.alphaNames)
    let server = try TLSContext.server(certificates: [files])
    let client = try TLSContext.client(verifyPeer: false)
    let outcome = await runHandshake(
      server: server, client: client, serverName: nil, capacity: 4 * 1024)
    let (_, c) = try outcome.streams()

    // The server never reads: the client's write fills the pipe and waits.
    let writer = Task { try await c.write([UInt8](repeating: 0x41, count: 1 << 20)) }
    while outcome.clientEnd.outgoing.queued < 4 * 1024 { await Task.yield() }
    await c.close()
    await #expect(throws: (any Error).self) { try await writer.value }
    // The stream handed the network one record at a time, never the whole megabyte.
    #expect(outcome.clientEnd.largestWrite.load(ordering: .relaxed) <= 16_384 + 256)
  }

  @Test func plaintextClientFailsTheHandshake() async throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let files = try makeCertificate(in: dir, "alpha", names: Self.alphaNames)
    let server = try TLSContext.server(certificates: [files])

    let (a, b) = MemoryStream.pair(capacity: 64 * 1024)
    try await b.write(Array("EHLO plain.test\r\n".utf8))
    await #expect {
      try await TLSStream.accept(over: a, context: server)
    } throws: { error in
      guard case .handshake = error as? TLSError else { return false }
      return true
    }

    let (x, y) = MemoryStream.pair(capacity: 64 * 1024)
    await y.close()
    await #expect(throws: TLSError.closedDuringHandshake) {
      try await TLSStream.accept(over: x, context: server)
    }
  }

  @Test func contextErrorsNameTheFile() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let a = try makeCertificate(in: dir, "a", names: ["a.test"])
    let b = try makeCertificate(in: dir, "b", names: ["b.test"])

    let missing = TLSContext.CertificateFiles(
      certPath: dir.appending("nope.pem"), keyPath: a.keyPath)
    #expect {
      try TLSContext.server(certificates: [missing])
    } throws: { error in
      guard case .certificate(let path, _) = error as? TLSError else { return false }
      return path == missing.certPath
    }

    let mismatched = TLSContext.CertificateFiles(certPath: a.certPath, keyPath: b.keyPath)
    #expect {
      try TLSContext.server(certificates: [mismatched])
    } throws: { error in
      guard case .certificate(let path, let reason) = error as? TLSError else { return false }
      return path == b.keyPath && reason.contains("does not match")
    }

    #expect(throws: TLSError.self) { try TLSContext.server(certificates: []) }
    #expect(throws: TLSError.self) {
      try TLSContext.client(minimumVersion: .tls13, maximumVersion: .tls12)
    }
    // A server context cannot start a client session.
    let server = try TLSContext.server(certificates: [a])
    #expect(throws: TLSError.self) {
      try TLSEngine(context: server, role: .client(serverName: nil, verifyPeer: nil))
    }
  }
}
