import TLS
import Testing

/// The engine without any stream: bytes move only when the test moves them.
@Suite struct TLSEngineTests {
  private func complete<T>(_ r: TLSResult<T>) -> T? {
    if case .complete(let v) = r { return v }
    return nil
  }

  private func isIncomplete<T>(_ r: TLSResult<T>) -> Bool {
    if case .incomplete = r { return true }
    return false
  }

  /// Engines for one session, handshake done by moving whole flights.
  private func connectedPair(_ dir: TemporaryDirectory) throws -> (TLSEngine, TLSEngine) {
    let files = try makeCertificate(in: dir, "e", names: ["engine.test"])
    let server = try TLSEngine(context: TLSContext.server(certificates: [files]), role: .server)
    let client = try TLSEngine(
      context: TLSContext.client(verifyPeer: false),
      role: .client(serverName: "engine.test", verifyPeer: nil))
    for _ in 0..<10 where !(server.isHandshakeComplete && client.isHandshakeComplete) {
      _ = client.handshake()
      server.feed(client.takeOutput())
      _ = server.handshake()
      client.feed(server.takeOutput())
    }
    #expect(server.isHandshakeComplete && client.isHandshakeComplete)
    return (server, client)
  }

  @Test func handshakeFedOneByteAtATime() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let files = try makeCertificate(in: dir, "e", names: ["engine.test"])
    let server = try TLSEngine(context: TLSContext.server(certificates: [files]), role: .server)
    let client = try TLSEngine(
      context: TLSContext.client(verifyPeer: false),
      role: .client(serverName: "engine.test", verifyPeer: nil))

    #expect(isIncomplete(server.handshake()))  // nothing to read yet
    #expect(server.pendingOutputCount == 0)
    #expect(isIncomplete(client.handshake()))
    let hello = client.takeOutput()
    #expect(hello.count > 100)
    // Every prefix of the ClientHello leaves the server waiting for more.
    for byte in hello.dropLast() {
      server.feed([byte])
      #expect(isIncomplete(server.handshake()))
      #expect(server.pendingOutputCount == 0)
    }
    server.feed([hello.last!])
    #expect(isIncomplete(server.handshake()))  // its flight is out; it waits for Finished
    let flight = server.takeOutput()
    for byte in flight {
      client.feed([byte])
      if client.isHandshakeComplete { break }
      _ = client.handshake()
    }
    #expect(client.isHandshakeComplete)
    server.feed(client.takeOutput())
    #expect(complete(server.handshake()) != nil)
    #expect(server.protocolVersion == "TLSv1.3")
    #expect(server.serverName == "engine.test")
    #expect(client.peerCertificateNames == ["engine.test"])
  }

  @Test func dataRecordsAndCloseNotify() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let (server, client) = try connectedPair(dir)
    client.feed(server.takeOutput())  // session tickets

    #expect(isIncomplete(server.read(max: 100)))
    #expect(complete(client.write(Array("hello world".utf8))) == 11)
    server.feed(client.takeOutput())
    #expect(complete(server.read(max: 5)) == Array("hello".utf8))
    #expect(complete(server.read(max: 100)) == Array(" world".utf8))
    #expect(isIncomplete(server.read(max: 100)))

    // A full record of plaintext becomes one record on the wire, not more.
    #expect(complete(server.write([UInt8](repeating: 7, count: 16_384))) == 16_384)
    let record = server.takeOutput()
    #expect(record.count > 16_384 && record.count < 16_384 + 256)
    client.feed(record)
    #expect(complete(client.read(max: 1 << 20))?.count == 16_384)

    // close_notify, not the end of the byte stream, ends the peer's reading.
    client.shutdown()
    let alert = client.takeOutput()
    #expect(!alert.isEmpty)
    server.feed(alert)
    #expect(complete(server.read(max: 100)) == [])
  }

  @Test func corruptRecordFailsTheSession() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let (server, client) = try connectedPair(dir)
    client.feed(server.takeOutput())
    _ = client.write(Array("secret".utf8))
    var record = client.takeOutput()
    record[record.count - 1] ^= 0xFF  // breaks the AEAD tag
    server.feed(record)
    guard case .failed(.protocolFailure(let reason)) = server.read(max: 100) else {
      Issue.record("expected a protocol failure, got \(server.read(max: 100))")
      return
    }
    #expect(!reason.isEmpty)
    #expect(server.pendingOutputCount > 0)  // the alert for the peer
  }
}
