/// The SASL mechanisms Posta offers.
public enum SASLMechanism: String, Sendable, CaseIterable {
  /// RFC 7677. The password never crosses the wire, so it is offered without TLS too.
  case scramSHA256 = "SCRAM-SHA-256"
  /// RFC 4616. Plaintext: only on secure connections.
  case plain = "PLAIN"
  /// The obsolete but widely used LOGIN (draft-murchison-sasl-login). Plaintext.
  case login = "LOGIN"

  /// The mechanism named `name`, case-insensitively (RFC 4422 §3.1 names are uppercase,
  /// but clients send them in any case).
  public init?(name: String) {
    self.init(rawValue: name.uppercased())
  }

  /// Whether the password crosses the wire (base64 is no protection).
  public var isPlaintext: Bool { self != .scramSHA256 }
}

/// One step of a SASL exchange, as the protocol sends it.
public enum SASLStep: Sendable, Hashable {
  /// Send this challenge (SMTP `334 <base64>`, POP3 and IMAP `+ <base64>`; base64 with
  /// `SASLSession.encode`) and feed the client's next line to `SASLSession.respond`.
  case challenge([UInt8])
  /// Authenticated. With `finalData` (SCRAM's server signature), none of SMTP, POP3 or
  /// IMAP can put it in the success reply: send it as one more challenge, read the
  /// client's line (it should be empty; `*` cancels), then reply success (RFC 4422 §5:
  /// additional data with success goes in a challenge where the protocol has no room).
  case success(AuthenticatedUser, finalData: [UInt8]?)
  /// Failed; see `AuthFailure` for the reply. Any failure delay has already been waited.
  case failure(AuthFailure)
}

/// Why `Authenticator.startSASL` refused to start an exchange.
public enum SASLStartError: Error, Sendable, Hashable, CustomStringConvertible {
  /// Not a mechanism Posta offers (SMTP `504 5.5.4`, POP3 `-ERR`, IMAP `NO`).
  case unsupportedMechanism(String)
  /// A plaintext mechanism on a connection that is not secure (SMTP `538 5.7.11`,
  /// POP3 `-ERR [AUTH]`, IMAP `NO [PRIVACYREQUIRED]`).
  case encryptionRequired(SASLMechanism)

  public var description: String {
    switch self {
    case .unsupportedMechanism(let name):
      "unsupported authentication mechanism \(name.prefix(40))"
    case .encryptionRequired(let m):
      "\(m.rawValue) is only offered over TLS; use STARTTLS first"
    }
  }
}
