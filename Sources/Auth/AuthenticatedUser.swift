/// Who logged in, and with which password.
public struct AuthenticatedUser: Sendable, Hashable {
  /// The store's account id.
  public let accountID: Int64
  /// The account's normalised address.
  public let address: String
  /// The app password used, or nil for the account password. A session logged in with
  /// an app password must not change the account (issue 4: app passwords serve mail
  /// access only).
  public let appPassword: AppPasswordRef?

  public init(accountID: Int64, address: String, appPassword: AppPasswordRef? = nil) {
    self.accountID = accountID
    self.address = address
    self.appPassword = appPassword
  }

  /// Whether an app password was used.
  public var usedAppPassword: Bool { appPassword != nil }
}

/// Which app password was used.
public struct AppPasswordRef: Sendable, Hashable {
  public let id: Int64
  public let name: String

  public init(id: Int64, name: String) {
    self.id = id
    self.name = name
  }
}

/// Why a login failed, as far as the client may know.
///
/// Suggested replies: `invalidCredentials` → SMTP `535 5.7.8`, POP3 `-ERR [AUTH]`, IMAP
/// `NO [AUTHENTICATIONFAILED]`; `malformed` → SMTP `501 5.5.2`, POP3 `-ERR`, IMAP `BAD`;
/// `cancelled` → SMTP `501 5.0.0`, POP3 `-ERR`, IMAP `BAD`; `temporary` → SMTP
/// `454 4.7.0`, POP3 `-ERR [SYS/TEMP]`, IMAP `NO [UNAVAILABLE]`.
public enum AuthFailure: Error, Sendable, Hashable, CustomStringConvertible {
  /// Wrong password, unknown account, malformed login name, disabled account or lockout:
  /// deliberately one answer for all of them.
  case invalidCredentials
  /// The client broke the mechanism's syntax (bad base64, bad message, line too long).
  case malformed(String)
  /// The client sent `*` to cancel the exchange. Not counted as a failure.
  case cancelled
  /// The credential store or the hashing threads could not answer; try again later.
  /// Not counted as a failure.
  case temporary(String)

  public var description: String {
    switch self {
    case .invalidCredentials: "authentication failed"
    case .malformed(let m): "malformed authentication exchange: \(m)"
    case .cancelled: "authentication cancelled"
    case .temporary(let m): "authentication temporarily unavailable: \(m)"
    }
  }
}

/// The result of a plaintext login (POP3 USER/PASS, IMAP LOGIN).
public enum AuthOutcome: Sendable, Hashable {
  case success(AuthenticatedUser)
  case failure(AuthFailure)
}
