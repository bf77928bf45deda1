/// One mailbox (RFC 5322 §3.4): an optional display name and an address.
public struct Mailbox: Sendable, Hashable, Codable {
  /// The display name as written: quotes and escapes removed, words joined by single spaces,
  /// RFC 2047 encoded words kept (IMAP's ENVELOPE sends them this way). When there is no
  /// phrase, the text of a trailing comment (`user@host (Name)`) is used.
  public var displayName: String?
  /// An obsolete source route (`@relay1,@relay2`), without the final colon.
  public var route: String?
  /// The local part, unquoted.
  public var localPart: String
  /// The domain, or nil when the address had none (`root`, `undisclosed-recipients`).
  public var domain: String?

  /// Creates a mailbox.
  public init(displayName: String? = nil, route: String? = nil, localPart: String, domain: String?)
  {
    self.displayName = displayName
    self.route = route
    self.localPart = localPart
    self.domain = domain
  }

  /// `local@domain`, or just the local part when there is no domain.
  public var address: String {
    guard let domain else { return localPart }
    return localPart + "@" + domain
  }

  /// The display name with RFC 2047 encoded words decoded.
  public var decodedDisplayName: String? {
    displayName.map { EncodedWords.decode(Array($0.utf8)) }
  }
}

/// A named group of mailboxes (RFC 5322 §3.4: `name: a@b, c@d;`).
public struct MailboxGroup: Sendable, Hashable, Codable {
  /// The group's display name as written (see ``Mailbox/displayName``).
  public var displayName: String
  /// The members, possibly none (`undisclosed-recipients:;`).
  public var members: [Mailbox]

  /// Creates a group.
  public init(displayName: String, members: [Mailbox]) {
    self.displayName = displayName
    self.members = members
  }
}

/// An entry of an address list: a mailbox or a group.
public enum Address: Sendable, Hashable, Codable {
  case mailbox(Mailbox)
  case group(MailboxGroup)

  /// The mailboxes this entry stands for (a group's members).
  public var mailboxes: [Mailbox] {
    switch self {
    case .mailbox(let m): [m]
    case .group(let g): g.members
    }
  }

  /// Parses an address-list field value (From, To, Cc, Reply-To…; RFC 5322 §3.4 with the
  /// obsolete forms of §4.4). Never fails; unparseable pieces are skipped. At most
  /// `limits.maxAddresses` entries (members included) are kept.
  public static func parseList<C: Collection<UInt8>>(
    _ value: C, limits: MIMELimits = MIMELimits()
  ) -> [Address] {
    Array(value).withUnsafeBytes {
      AddressParser.parse($0, 0..<$0.count, maxAddresses: limits.maxAddresses)
    }
  }
}

extension [Address] {
  /// All mailboxes, group members included, in order.
  public var allMailboxes: [Mailbox] { flatMap(\.mailboxes) }
}
