/// An SMTP command (RFC 5321 §4.1.1 and the extensions Posta speaks).
///
/// Parse with `CommandParser`; `encoded()` writes the client side's wire form.
public enum Command: Sendable, Hashable, CustomStringConvertible {
  /// The verbs, in upper case as `rawValue`.
  public enum Verb: String, Sendable, Hashable, CaseIterable {
    case ehlo = "EHLO"
    case helo = "HELO"
    case mail = "MAIL"
    case rcpt = "RCPT"
    case data = "DATA"
    case bdat = "BDAT"
    case rset = "RSET"
    case noop = "NOOP"
    case quit = "QUIT"
    case help = "HELP"
    case vrfy = "VRFY"
    case expn = "EXPN"
    case starttls = "STARTTLS"
    case auth = "AUTH"
  }

  /// The optional argument after an AUTH mechanism (RFC 4954 §4).
  public enum InitialResponse: Sendable, Hashable {
    /// `=`: an initial response of zero length.
    case empty
    /// Base64 text, checked for the base64 alphabet and padding but not decoded.
    case base64(String)
  }

  case ehlo(HelloName)
  case helo(HelloName)
  case mail(ReversePath, MailParameters)
  case rcpt(ForwardPath, RcptParameters)
  case data
  /// `BDAT size [LAST]` (RFC 3030 §2).
  case bdat(size: Int, last: Bool)
  case rset
  case noop(String?)
  case quit
  case help(String?)
  case vrfy(String)
  case expn(String)
  case starttls
  /// `AUTH mechanism [initial-response]`; the mechanism in upper case.
  case auth(mechanism: String, initialResponse: InitialResponse?)

  public var verb: Verb {
    switch self {
    case .ehlo: return .ehlo
    case .helo: return .helo
    case .mail: return .mail
    case .rcpt: return .rcpt
    case .data: return .data
    case .bdat: return .bdat
    case .rset: return .rset
    case .noop: return .noop
    case .quit: return .quit
    case .help: return .help
    case .vrfy: return .vrfy
    case .expn: return .expn
    case .starttls: return .starttls
    case .auth: return .auth
    }
  }

  /// The command line without CRLF. AUTH's initial response is shown as `***` (logs must
  /// not hold credentials).
  public var description: String {
    if case .auth(let mechanism, let ir?) = self {
      return "AUTH \(mechanism) " + (ir == .empty ? "=" : "***")
    }
    return line
  }

  /// The wire form: the command line and CRLF.
  public func encoded() -> [UInt8] { Array((line + "\r\n").utf8) }

  private var line: String {
    switch self {
    case .ehlo(let h): return "EHLO \(h.text)"
    case .helo(let h): return "HELO \(h.text)"
    case .mail(let path, let p): return "MAIL FROM:\(path)\(p.encoded)"
    case .rcpt(let path, let p): return "RCPT TO:\(path)\(p.encoded)"
    case .data: return "DATA"
    case .bdat(let size, let last): return "BDAT \(size)" + (last ? " LAST" : "")
    case .rset: return "RSET"
    case .noop(let s): return "NOOP" + (s.map { " " + $0 } ?? "")
    case .quit: return "QUIT"
    case .help(let s): return "HELP" + (s.map { " " + $0 } ?? "")
    case .vrfy(let s): return "VRFY \(s)"
    case .expn(let s): return "EXPN \(s)"
    case .starttls: return "STARTTLS"
    case .auth(let m, nil): return "AUTH \(m)"
    case .auth(let m, .empty?): return "AUTH \(m) ="
    case .auth(let m, .base64(let b)?): return "AUTH \(m) \(b)"
    }
  }
}
