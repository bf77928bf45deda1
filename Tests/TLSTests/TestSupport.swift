import Foundation
import Net
import PostaTestSupport
import TLS

/// A fresh directory under the system temp directory, removed by `remove()`.
struct TemporaryDirectory {
  let path: String

  init() {
    var template = Array((NSTemporaryDirectory() + "posta-tls-XXXXXX").utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    precondition(made != nil, "mkdtemp failed")
    path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  func appending(_ name: String) -> String { path + "/" + name }

  func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A self-signed certificate for `names` in its own subdirectory of `dir`.
func makeCertificate(in dir: TemporaryDirectory, _ sub: String, names: [String]) throws
  -> TLSContext.CertificateFiles
{
  let made = try SelfSignedCertificate.ensure(directory: dir.appending(sub), names: names)
  return TLSContext.CertificateFiles(certPath: made.certPath, keyPath: made.keyPath)
}

/// Both ends of one handshake over an in-memory pair. A side that fails closes its end,
/// so the other side sees EOF instead of waiting forever when no alert was sent.
struct HandshakeOutcome {
  let server: Result<TLSStream, any Error>
  let client: Result<TLSStream, any Error>
  let serverEnd: MemoryStream
  let clientEnd: MemoryStream

  /// Both streams, failing the test with the underlying error if either side failed.
  func streams() throws -> (server: TLSStream, client: TLSStream) {
    (try server.get(), try client.get())
  }
}

func runHandshake(
  server: TLSContext, client: TLSContext, serverName: String?, verifyPeer: Bool? = nil,
  capacity: Int = 64 * 1024
) async -> HandshakeOutcome {
  let (a, b) = MemoryStream.pair(capacity: capacity)
  async let s: Result<TLSStream, any Error> = {
    do {
      return .success(try await TLSStream.accept(over: a, context: server))
    } catch {
      await a.close()
      return .failure(error)
    }
  }()
  async let c: Result<TLSStream, any Error> = {
    do {
      return .success(
        try await TLSStream.connect(
          over: b, context: client, serverName: serverName, verifyPeer: verifyPeer))
    } catch {
      await b.close()
      return .failure(error)
    }
  }()
  return HandshakeOutcome(server: await s, client: await c, serverEnd: a, clientEnd: b)
}

/// Reads from `stream` until `count` bytes arrived or the stream ended.
func readExactly(_ stream: any ByteStream, _ count: Int) async throws -> [UInt8] {
  var out: [UInt8] = []
  while out.count < count {
    let chunk = try await stream.read(max: count - out.count)
    if chunk.isEmpty { break }
    out += chunk
  }
  return out
}

extension Result {
  /// The failure as a `TLSError`, if it is one.
  var tlsError: TLSError? {
    if case .failure(let e) = self { return e as? TLSError }
    return nil
  }
}
