/// Why a login (PASS or an AUTH exchange) failed, as the server reports it back to the
/// session; each maps to one `-ERR` reply.
public enum POP3LoginFailure: Sendable, Hashable {
  /// Wrong password, unknown user, disabled account, lockout: one reply for all, so
  /// nobody can probe for accounts. `-ERR [AUTH]`.
  case invalidCredentials
  /// Another session holds the maildrop (RFC 2449 §8.1.1). `-ERR [IN-USE]`.
  case inUse
  /// The client broke the SASL mechanism's syntax. Plain `-ERR`.
  case malformed(String)
  /// The client sent `*` (RFC 5034 §4). Plain `-ERR`.
  case cancelled
  /// Credential store or maildrop unavailable for now. `-ERR [SYS/TEMP]`.
  case temporary(String)
  /// The maildrop cannot be opened and retrying will not help. `-ERR [SYS/PERM]`.
  case permanent(String)

  /// The reply to send.
  public var response: POP3Response {
    switch self {
    case .invalidCredentials: .error(.auth, "authentication failed")
    case .inUse: .error(.inUse, "maildrop already in use by another POP3 session; try later")
    case .malformed(let detail): .error(nil, "malformed authentication exchange: \(detail)")
    case .cancelled: .error(nil, "authentication cancelled")
    case .temporary(let detail): .error(.systemTemporary, "try again later: \(detail)")
    case .permanent(let detail): .error(.systemPermanent, detail)
    }
  }
}
