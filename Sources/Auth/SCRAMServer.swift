import Crypto

/// The server side of SCRAM-SHA-256 (RFC 5802 §5 and §7, RFC 7677) as pure functions;
/// `SASLSession` feeds it and supplies credentials, a nonce and the failure policy.
///
/// Channel binding is not supported: `n,,` and `y,,` are accepted (`y` means the client
/// could bind but believes the server cannot, which is true since no -PLUS mechanism is
/// offered), `p=` is refused.
enum SCRAMServer {
  /// The parsed client-first-message.
  struct ClientFirst: Equatable {
    /// `gs2-header` as sent, e.g. `n,,`; it returns base64-encoded in `c=`.
    let gs2Header: String
    /// The decoded `a=` authzid, if any.
    let authzid: String?
    /// The decoded `n=` username.
    let username: String
    /// The client's `r=` nonce.
    let clientNonce: String
    /// client-first-message-bare, part of AuthMessage.
    let bare: String
  }

  /// What the server remembers between its first message and the client's last.
  struct Pending: Equatable {
    let clientFirst: ClientFirst
    let serverFirst: String
    /// Client nonce followed by server nonce.
    let nonce: String
    let parameters: KDFParameters
  }

  /// The parsed client-final-message.
  struct ClientFinal: Equatable {
    /// client-final-message-without-proof, part of AuthMessage.
    let withoutProof: String
    let proof: [UInt8]
  }

  //     client-first-message = gs2-header client-first-message-bare
  //     gs2-header      = gs2-cbind-flag "," [ authzid ] ","
  //     gs2-cbind-flag  = ("p=" cb-name) / "n" / "y"
  //     authzid         = "a=" saslname
  //     client-first-message-bare = [reserved-mext ","] username "," nonce ["," extensions]
  static func parseClientFirst(_ message: [UInt8]) throws(AuthFailure) -> ClientFirst {
    guard let text = String(validating: message, as: UTF8.self) else {
      throw .malformed("SCRAM message is not UTF-8")
    }
    if text.hasPrefix("p=") {
      throw .malformed("SCRAM channel binding is not supported; use SCRAM-SHA-256 without -PLUS")
    }
    guard text.hasPrefix("n,") || text.hasPrefix("y,") else {
      throw .malformed("SCRAM message must start with a gs2 header (n,, or y,,)")
    }
    let afterFlag = text.index(text.startIndex, offsetBy: 2)
    guard let authzidEnd = text[afterFlag...].firstIndex(of: ",") else {
      throw .malformed("SCRAM gs2 header is not terminated")
    }
    let authzidField = text[afterFlag..<authzidEnd]
    var authzid: String?
    if !authzidField.isEmpty {
      guard authzidField.hasPrefix("a=") else { throw .malformed("SCRAM authzid must be a=") }
      authzid = try decodeSASLName(authzidField.dropFirst(2))
    }
    let bareStart = text.index(after: authzidEnd)
    let gs2Header = String(text[..<bareStart])
    let bare = String(text[bareStart...])

    let fields = bare.split(separator: ",", omittingEmptySubsequences: false)
    if let first = fields.first, first.hasPrefix("m=") {
      throw .malformed("SCRAM mandatory extensions are not supported")
    }
    guard fields.count >= 2, fields[0].hasPrefix("n="), fields[1].hasPrefix("r=") else {
      throw .malformed("SCRAM client-first-message needs n= and r=")
    }
    let username = try decodeSASLName(fields[0].dropFirst(2))
    let nonce = fields[1].dropFirst(2)
    guard isValidNonce(nonce) else { throw .malformed("SCRAM nonce must be printable ASCII") }
    try checkExtensions(fields.dropFirst(2))
    return ClientFirst(
      gs2Header: gs2Header, authzid: authzid, username: username, clientNonce: String(nonce),
      bare: bare)
  }

  //     server-first-message = [reserved-mext ","] nonce "," salt "," iteration-count
  //                            ["," extensions]
  static func serverFirst(
    _ clientFirst: ClientFirst, serverNonce: String, parameters: KDFParameters
  ) -> Pending {
    let nonce = clientFirst.clientNonce + serverNonce
    let message = "r=\(nonce),s=\(Base64.encode(parameters.salt)),i=\(parameters.iterations)"
    return Pending(
      clientFirst: clientFirst, serverFirst: message, nonce: nonce, parameters: parameters)
  }

  //     client-final-message-without-proof = channel-binding "," nonce ["," extensions]
  //     client-final-message = client-final-message-without-proof "," proof
  //     channel-binding = "c=" base64   ; gs2-header [cbind-data]
  //     proof           = "p=" base64
  static func parseClientFinal(
    _ message: [UInt8], pending: Pending
  ) throws(AuthFailure) -> ClientFinal {
    guard let text = String(validating: message, as: UTF8.self) else {
      throw .malformed("SCRAM message is not UTF-8")
    }
    // Attribute values never contain ",", so fields split cleanly and p= comes last.
    var fields = text.split(separator: ",", omittingEmptySubsequences: false)
    guard fields.count >= 3, let last = fields.popLast(), last.hasPrefix("p=") else {
      throw .malformed("SCRAM client-final-message needs c=, r= and p= last")
    }
    let proof: [UInt8]
    do {
      proof = try Base64.decode(last.dropFirst(2))
    } catch {
      throw .malformed("SCRAM proof: \(error)")
    }
    guard proof.count == SHA256.digestLength else {
      throw .malformed("SCRAM proof must be 32 bytes")
    }
    guard fields[0].hasPrefix("c="), fields[1].hasPrefix("r=") else {
      throw .malformed("SCRAM client-final-message needs c= and r=")
    }
    let withoutProof = fields.joined(separator: ",")
    let binding: [UInt8]
    do {
      binding = try Base64.decode(fields[0].dropFirst(2))
    } catch {
      throw .malformed("SCRAM channel binding: \(error)")
    }
    // No channel binding: c= carries the gs2-header alone (RFC 5802 §7).
    guard binding == Array(pending.clientFirst.gs2Header.utf8) else {
      throw .malformed("SCRAM channel binding does not match the gs2 header")
    }
    guard fields[1].dropFirst(2) == pending.nonce else {
      throw .malformed("SCRAM nonce does not match")
    }
    try checkExtensions(fields.dropFirst(2))
    return ClientFinal(withoutProof: withoutProof, proof: proof)
  }

  /// AuthMessage = client-first-message-bare "," server-first-message ","
  /// client-final-message-without-proof (RFC 5802 §3).
  static func authMessage(_ pending: Pending, _ final: ClientFinal) -> [UInt8] {
    Array("\(pending.clientFirst.bare),\(pending.serverFirst),\(final.withoutProof)".utf8)
  }

  /// The index of the candidate whose StoredKey the proof matches. Every candidate is
  /// checked, so the time taken does not depend on which one (if any) matched.
  static func match(proof: [UInt8], authMessage: [UInt8], candidates: [PasswordHash]) -> Int? {
    var found: Int?
    for (index, hash) in candidates.enumerated() {
      // ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage); check H(ClientKey).
      let signature = HMAC.sha256(key: hash.storedKey, data: authMessage)
      let clientKey = zip(proof, signature).map { $0 ^ $1 }
      if constantTimeEquals(SHA256.hash(clientKey), hash.storedKey), found == nil {
        found = index
      }
    }
    return found
  }

  /// server-final-message: `v=` base64(HMAC(ServerKey, AuthMessage)).
  static func serverFinal(_ hash: PasswordHash, authMessage: [UInt8]) -> [UInt8] {
    Array("v=\(Base64.encode(HMAC.sha256(key: hash.serverKey, data: authMessage)))".utf8)
  }

  //     saslname = 1*(value-safe-char / "=2C" / "=3D")
  //     value-safe-char = %x01-2B / %x2D-3C / %x3E-7F / UTF8-2 / UTF8-3 / UTF8-4
  private static func decodeSASLName(_ s: Substring) throws(AuthFailure) -> String {
    guard !s.isEmpty else { throw .malformed("SCRAM name is empty") }
    var out = String.UnicodeScalarView()
    var rest = s.unicodeScalars[...]
    while let u = rest.popFirst() {
      switch u {
      case "=":
        let escape = String(String.UnicodeScalarView(rest.prefix(2)))
        rest = rest.dropFirst(2)
        if escape == "2C" {
          out.append(",")
        } else if escape == "3D" {
          out.append("=")
        } else {
          throw .malformed("SCRAM name has '=' not followed by 2C or 3D")
        }
      case "\0", ",": throw .malformed("SCRAM name contains NUL or ','")
      default: out.append(u)
      }
    }
    return String(out)
  }

  //     printable = %x21-2B / %x2D-7E ; printable ASCII except ","
  private static func isValidNonce(_ s: Substring) -> Bool {
    !s.isEmpty && s.utf8.allSatisfy { $0 >= 0x21 && $0 <= 0x7E && $0 != 0x2C }
  }

  //     extensions = attr-val *("," attr-val) ; attr-val = ALPHA "=" value
  // Unknown optional extensions are ignored, as the grammar intends; malformed ones refused.
  private static func checkExtensions(_ fields: ArraySlice<Substring>) throws(AuthFailure) {
    for field in fields {
      let bytes = Array(field.utf8)
      guard bytes.count >= 2, bytes[1] == UInt8(ascii: "="),
        (0x41...0x5A).contains(bytes[0]) || (0x61...0x7A).contains(bytes[0])
      else { throw .malformed("SCRAM extension must be attr=value") }
    }
  }
}
