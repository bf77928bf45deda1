import Crypto
import Testing

/// The client side of SCRAM-SHA-256 (RFC 5802 §3, RFC 7677), written from the RFC, for
/// driving a server's AUTH exchange. Messages are plain text; base64 them to send.
public struct SCRAMClient {
  public let username: String
  public let password: String
  public let nonce: String
  /// The GS2 header (RFC 5802 §7): `n,,` by default; tests of authorization identities
  /// and channel-binding flags set their own.
  public var gs2Header = "n,,"

  public init(username: String, password: String, nonce: String) {
    self.username = username
    self.password = password
    self.nonce = nonce
  }

  public var clientFirstBare: String { "n=\(username),r=\(nonce)" }
  public var clientFirst: String { gs2Header + clientFirstBare }

  /// The client-final-message for `serverFirst`, and the server-final it must get back.
  /// Records an issue when the server's nonce does not extend ours.
  public func final(serverFirst: String) throws -> (message: String, serverFinal: String) {
    var fields: [Character: Substring] = [:]
    for field in serverFirst.split(separator: ",") { fields[field.first!] = field.dropFirst(2) }
    let combined = try #require(fields["r"])
    #expect(combined.hasPrefix(nonce))
    let salt = try Base64.decode(try #require(fields["s"]))
    let iterationText = try #require(fields["i"])
    let iterations = try #require(Int(iterationText))
    let salted = try PBKDF2.sha256(
      password: Array(password.utf8), salt: salt, iterations: iterations)
    let clientKey = HMAC.sha256(key: salted, data: "Client Key".utf8)
    let storedKey = SHA256.hash(clientKey)
    let withoutProof = "c=\(Base64.encode(gs2Header.utf8)),r=\(combined)"
    let authMessage = Array("\(clientFirstBare),\(serverFirst),\(withoutProof)".utf8)
    let signature = HMAC.sha256(key: storedKey, data: authMessage)
    let proof = zip(clientKey, signature).map { $0 ^ $1 }
    let serverKey = HMAC.sha256(key: salted, data: "Server Key".utf8)
    let serverSignature = HMAC.sha256(key: serverKey, data: authMessage)
    return ("\(withoutProof),p=\(Base64.encode(proof))", "v=\(Base64.encode(serverSignature))")
  }
}
