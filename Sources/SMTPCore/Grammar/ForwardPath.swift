/// The RCPT TO argument: a mailbox, or the bare `<Postmaster>` every server must accept
/// (RFC 5321 §4.1.1.3, §4.5.1).
public enum ForwardPath: Sendable, Hashable, CustomStringConvertible {
  /// `<Postmaster>` without a domain, in any case.
  case postmaster
  case mailbox(Mailbox)

  /// The mailbox, nil for `<Postmaster>`.
  public var mailbox: Mailbox? {
    if case .mailbox(let m) = self { return m }
    return nil
  }

  /// False when the path needs SMTPUTF8.
  public var isASCII: Bool { mailbox?.isASCII ?? true }

  /// With angle brackets.
  public var description: String {
    switch self {
    case .postmaster: return "<Postmaster>"
    case .mailbox(let m): return "<\(m)>"
    }
  }
}
