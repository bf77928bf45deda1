import Crypto

/// The client's messages for the simple SASL mechanisms the servers offer, as the base64
/// text that goes on the wire (SCRAM-SHA-256 is `SCRAMClient`). Each protocol frames
/// challenges its own way (`334 …` in SMTP, `+ …` in POP3); `decode` reads their payload.
public enum SASLClient {
  /// The PLAIN response (RFC 4616 §2) without an authorization identity.
  public static func plain(_ login: String, _ password: String) -> String {
    base64("\0\(login)\0\(password)")
  }

  /// The two LOGIN responses, to `Username:` and `Password:`.
  public static func login(_ login: String, _ password: String) -> (
    username: String, password: String
  ) {
    (base64(login), base64(password))
  }

  /// The text of a base64 challenge payload.
  public static func decode(_ payload: some StringProtocol) throws -> String {
    String(decoding: try Base64.decode(payload), as: UTF8.self)
  }
}

/// `text` (UTF-8) in base64, as a SASL response or initial response is sent.
public func base64(_ text: String) -> String { Base64.encode(text.utf8) }
