/// `[listen]`: the addresses each service listens on, and the proxies trusted to report the
/// real client address.
public struct ListenConfig: Sendable, Equatable {
  /// Inbound mail from other servers (port 25).
  public var smtp: [ListenAddress]
  /// Message submission with STARTTLS (port 587, RFC 6409).
  public var submission: [ListenAddress]
  /// Message submission over implicit TLS (port 465, RFC 8314).
  public var submissions: [ListenAddress]
  public var pop3: [ListenAddress]
  /// POP3 over implicit TLS (port 995).
  public var pop3s: [ListenAddress]
  public var imap: [ListenAddress]
  /// IMAP over implicit TLS (port 993).
  public var imaps: [ListenAddress]
  /// Connections from these networks start with a PROXY protocol header; empty means the
  /// PROXY protocol is off everywhere.
  public var trustedProxies: [CIDR]

  /// The addresses of one service; empty when the service is off.
  public subscript(service: ListenService) -> [ListenAddress] {
    get { self[keyPath: service.field] }
    set { self[keyPath: service.field] = newValue }
  }

  /// Every key at its default, as `[listen]` is read when the file leaves it out.
  public static var defaults: ListenConfig { ConfigSchema.defaults.listen }

  static let unset = ListenConfig(
    smtp: [], submission: [], submissions: [], pop3: [], pop3s: [], imap: [], imaps: [],
    trustedProxies: [])
}

/// The services Posta listens for, named as their `[listen]` keys.
public enum ListenService: String, Sendable, CaseIterable {
  case smtp, submission, submissions, pop3, pop3s, imap, imaps

  /// True where TLS starts before the protocol does (RFC 8314); the others offer STARTTLS.
  public var usesImplicitTLS: Bool {
    switch self {
    case .submissions, .pop3s, .imaps: true
    case .smtp, .submission, .pop3, .imap: false
    }
  }

  fileprivate var field: WritableKeyPath<ListenConfig, [ListenAddress]> {
    switch self {
    case .smtp: \.smtp
    case .submission: \.submission
    case .submissions: \.submissions
    case .pop3: \.pop3
    case .pop3s: \.pop3s
    case .imap: \.imap
    case .imaps: \.imaps
    }
  }
}
