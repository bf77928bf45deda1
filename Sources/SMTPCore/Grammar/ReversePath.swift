/// The MAIL FROM argument: a mailbox, or the null path `<>` of bounces (RFC 5321 §4.1.1.2).
public enum ReversePath: Sendable, Hashable, CustomStringConvertible {
  /// `<>`: no address to return errors to.
  case null
  case mailbox(Mailbox)

  /// The mailbox, nil for `<>`.
  public var mailbox: Mailbox? {
    if case .mailbox(let m) = self { return m }
    return nil
  }

  /// False when the path needs SMTPUTF8.
  public var isASCII: Bool { mailbox?.isASCII ?? true }

  /// With angle brackets: `<>` or `<a@example.com>`.
  public var description: String {
    switch self {
    case .null: return "<>"
    case .mailbox(let m): return "<\(m)>"
    }
  }
}
