/// Address normalisation shared by accounts, aliases and recipient resolution.
///
/// Domains and local parts compare case-insensitively (`Alice@Example.test` is
/// `alice@example.test`), so everything is stored lower-case and lookups lower-case
/// their input. Quoted local parts are not accepted for accounts or aliases.
enum AddressSyntax {
  /// `local@domain` lower-cased, or nil when it is not a plausible mailbox address.
  static func normalize(_ address: String) -> (local: String, domain: String)? {
    let lowered = address.lowercased()
    guard let at = lowered.lastIndex(of: "@") else { return nil }
    let local = String(lowered[..<at])
    let domain = String(lowered[lowered.index(after: at)...])
    guard isValidLocal(local), isValidDomain(domain) else { return nil }
    return (local, domain)
  }

  /// `@domain` for a catch-all, else as `normalize`; `local` is "" for a catch-all.
  static func normalizeAliasSource(_ address: String) -> (local: String, domain: String)? {
    if address.hasPrefix("@") {
      let domain = String(address.dropFirst()).lowercased()
      return isValidDomain(domain) ? ("", domain) : nil
    }
    return normalize(address)
  }

  static func isValidLocal(_ local: String) -> Bool {
    // RFC 5321 §4.5.3.1.1: at most 64 octets. Dots may not lead, trail or double
    // (dot-atom); SMTPUTF8 local parts are UTF-8 and allowed.
    let utf8 = local.utf8
    guard !utf8.isEmpty, utf8.count <= 64, utf8.first != UInt8(ascii: "."),
      utf8.last != UInt8(ascii: ".")
    else { return false }
    var previousDot = false
    for b in utf8 {
      if b <= 0x20 || b == 0x7f { return false }
      switch b {
      case UInt8(ascii: "@"), UInt8(ascii: "\""), UInt8(ascii: "("), UInt8(ascii: ")"),
        UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: ","), UInt8(ascii: ";"),
        UInt8(ascii: ":"), UInt8(ascii: "\\"), UInt8(ascii: "["), UInt8(ascii: "]"):
        return false
      case UInt8(ascii: "."):
        if previousDot { return false }
        previousDot = true
      default:
        previousDot = false
      }
    }
    return true
  }

  static func isValidDomain(_ domain: String) -> Bool {
    let utf8 = domain.utf8
    guard !utf8.isEmpty, utf8.count <= 255 else { return false }
    for label in domain.split(separator: ".", omittingEmptySubsequences: false) {
      let bytes = label.utf8
      guard !bytes.isEmpty, bytes.count <= 63, bytes.first != UInt8(ascii: "-"),
        bytes.last != UInt8(ascii: "-")
      else { return false }
      for b in bytes {
        let ok =
          (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z"))
          || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "-")
          || b >= 0x80
        if !ok { return false }
      }
    }
    return true
  }

  /// `user+tag` → `user` (sub-addressing); nil when there is no tag.
  static func strippingTag(_ local: String) -> String? {
    guard let plus = local.firstIndex(of: "+"), plus != local.startIndex else { return nil }
    return String(local[..<plus])
  }
}
