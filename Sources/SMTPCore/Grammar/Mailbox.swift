/// A mailbox, `Local-part "@" ( Domain / address-literal )` (RFC 5321 §4.1.2).
///
/// `localPart` holds the decoded local part: `"john doe"@example.com` has local part
/// `john doe`. Encoding writes it as a dot-string when it is one, else as a quoted-string.
/// The local part is case-sensitive as far as SMTP is concerned (RFC 5321 §2.4); whether the
/// store folds case is the store's decision.
public struct Mailbox: Sendable, Hashable, CustomStringConvertible {
  /// The local part, unquoted.
  public var localPart: String
  /// The part after `@`.
  public var domain: MailDomain

  /// A mailbox from its parts, unchecked: `localPart` must be representable, i.e. contain no
  /// control characters (`parse` guarantees it).
  public init(localPart: String, domain: MailDomain) {
    self.localPart = localPart
    self.domain = domain
  }

  /// Parses `local@domain` (no angle brackets) with the RFC 5321 length limits: local part
  /// ≤ 64 octets, domain ≤ 255 octets.
  public static func parse(_ text: some StringProtocol, allowUTF8: Bool = true) -> Mailbox? {
    var scanner = ByteScanner(Array(text.utf8))
    guard let m = try? parse(&scanner), scanner.isAtEnd else { return nil }
    if !allowUTF8 && !m.isASCII { return nil }
    return m
  }

  /// False when the mailbox needs SMTPUTF8 (RFC 6531).
  public var isASCII: Bool {
    localPart.utf8.allSatisfy { $0 < 0x80 } && domain.isASCII
  }

  /// `local@domain` as it goes between angle brackets.
  public var description: String { encodedLocalPart + "@" + domain.description }

  /// The local part as written on the wire: dot-string, or quoted-string when it must be.
  public var encodedLocalPart: String {
    let bytes = Array(localPart.utf8)
    if Mailbox.isDotString(bytes) { return localPart }
    var out = "\""
    for ch in localPart.unicodeScalars {
      if ch == "\"" || ch == "\\" { out.append("\\") }
      out.unicodeScalars.append(ch)
    }
    return out + "\""
  }

  /// Dot-string = Atom *("." Atom); Atom = 1*atext (RFC 6531: atext =/ UTF8-non-ascii)
  static func isDotString(_ bytes: [UInt8]) -> Bool {
    guard !bytes.isEmpty else { return false }
    var previousDot = true
    for b in bytes {
      if b == ASCII.dot {
        if previousDot { return false }
        previousDot = true
      } else if ASCII.isAText(b) || b >= 0x80 {
        previousDot = false
      } else {
        return false
      }
    }
    return !previousDot
  }

  /// Mailbox = Local-part "@" ( Domain / address-literal )
  /// Local-part = Dot-string / Quoted-string
  /// Quoted-string = DQUOTE *QcontentSMTP DQUOTE
  /// QcontentSMTP = qtextSMTP / quoted-pairSMTP; quoted-pairSMTP = %d92 %d32-126
  static func parse(_ scanner: inout ByteScanner) throws(AddressError) -> Mailbox {
    let start = scanner.index
    var local: [UInt8] = []
    if scanner.take(ASCII.quote) {
      while true {
        guard let b = scanner.peek() else { throw AddressError("unterminated quoted local part") }
        scanner.index += 1
        if b == ASCII.quote { break }
        if b == ASCII.backslash {
          guard let q = scanner.peek(), q >= 32 && q <= 126 else {
            throw AddressError("invalid quoted-pair in local part")
          }
          scanner.index += 1
          local.append(q)
        } else if ASCII.isQText(b) || b >= 0x80 {
          local.append(b)
        } else {
          throw AddressError("invalid character in quoted local part")
        }
      }
    } else {
      let dotString = scanner.take(while: { ASCII.isAText($0) || $0 == ASCII.dot || $0 >= 0x80 })
      guard Mailbox.isDotString(Array(dotString)) else {
        throw AddressError(
          dotString.isEmpty ? "missing local part" : "invalid local part (dots or characters)")
      }
      local = Array(dotString)
    }
    // RFC 5321 §4.5.3.1.1, counted as written (quotes and escapes included).
    guard scanner.index - start <= 64 else {
      throw AddressError("local part longer than 64 octets")
    }
    guard let localPart = ASCII.string(validating: local) else {
      throw AddressError("local part is not valid UTF-8")
    }
    guard scanner.take(ASCII.at) else { throw AddressError("missing '@' in address") }
    let domain = try MailDomain.parse(&scanner)
    return Mailbox(localPart: localPart, domain: domain)
  }
}
