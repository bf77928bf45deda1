/// One POP3 client command (RFC 1939 §§4–7, RFC 2449 CAPA, RFC 2595 STLS, RFC 5034 AUTH).
///
/// Message numbers are always at least 1 (the parser rejects 0); whether a number names a
/// message of the maildrop is the session's business (`-ERR no such message`).
public enum POP3Command: Sendable, Hashable {
  /// `USER name`: the login name for a following PASS (UTF-8, no spaces).
  case user(String)
  /// `PASS string`: the rest of the line after one space, spaces included (RFC 1939 §7).
  case pass(String)
  /// `STAT`
  case stat
  /// `LIST [msg]`
  case list(Int?)
  /// `RETR msg`
  case retr(Int)
  /// `DELE msg`
  case dele(Int)
  /// `NOOP`
  case noop
  /// `RSET`
  case rset
  /// `QUIT`
  case quit
  /// `TOP msg n`: the header and the first `lines` lines of the body (0 allowed).
  case top(Int, lines: Int)
  /// `UIDL [msg]`
  case uidl(Int?)
  /// `CAPA` (RFC 2449 §5)
  case capa
  /// `STLS` (RFC 2595 §4)
  case stls
  /// `AUTH` without arguments: the mechanism list, as many clients probe it (RFC 1734 era).
  case authList
  /// `AUTH mechanism [initial-response]` (RFC 5034 §4). The mechanism is upper-cased; the
  /// initial response is base64 text or `=` for an empty one, passed on undecoded.
  case auth(mechanism: String, initialResponse: String?)
  /// `APOP name digest`: recognised only so it can be refused by name (Posta stores no
  /// plaintext passwords, which APOP needs). The arguments are not kept.
  case apop

  /// The command's keyword as the RFCs spell it.
  public var keyword: String {
    switch self {
    case .user: "USER"
    case .pass: "PASS"
    case .stat: "STAT"
    case .list: "LIST"
    case .retr: "RETR"
    case .dele: "DELE"
    case .noop: "NOOP"
    case .rset: "RSET"
    case .quit: "QUIT"
    case .top: "TOP"
    case .uidl: "UIDL"
    case .capa: "CAPA"
    case .stls: "STLS"
    case .authList, .auth: "AUTH"
    case .apop: "APOP"
    }
  }

  /// The command line a client sends, without CRLF (for tests, round trips and a client).
  public var line: String {
    switch self {
    case .user(let name): "USER \(name)"
    case .pass(let password): "PASS \(password)"
    case .list(let n?): "LIST \(n)"
    case .uidl(let n?): "UIDL \(n)"
    case .retr(let n): "RETR \(n)"
    case .dele(let n): "DELE \(n)"
    case .top(let n, let lines): "TOP \(n) \(lines)"
    case .auth(let mechanism, let initial?): "AUTH \(mechanism) \(initial)"
    case .auth(let mechanism, nil): "AUTH \(mechanism)"
    case .stat, .list(nil), .noop, .rset, .quit, .uidl(nil), .capa, .stls, .authList, .apop:
      keyword
    }
  }

  /// The line for protocol traces: the password and the initial response are redacted.
  public var redactedLine: String {
    switch self {
    case .pass: "PASS <redacted>"
    case .auth(let mechanism, .some): "AUTH \(mechanism) <redacted>"
    default: line
    }
  }
}
