/// Extended response codes in `-ERR [CODE] text` (RFC 2449 §8, RFC 3206). Clients act
/// on them: `IN-USE` means "try later, someone else holds the maildrop", `AUTH` means
/// "the credentials are wrong, ask the user", `SYS/TEMP` means "retry later".
public enum POP3ResponseCode: String, Sendable, Hashable, CaseIterable {
  /// RFC 2449 §8.1.1: the maildrop is locked by another session.
  case inUse = "IN-USE"
  /// RFC 2449 §8.1.2: logged in too soon after the last login. Posta never sends it (it
  /// advertises no LOGIN-DELAY) but the code is part of the RFC set.
  case loginDelay = "LOGIN-DELAY"
  /// RFC 3206 §4: a problem with the user's credentials or its use on this connection.
  case auth = "AUTH"
  /// RFC 3206 §3: a temporary system problem; the same command may work later.
  case systemTemporary = "SYS/TEMP"
  /// RFC 3206 §3: a permanent system problem; retrying will not help.
  case systemPermanent = "SYS/PERM"
}
