/// Login names: account addresses, normalised the way the store compares addresses.
public enum LoginName {
  /// Longest accepted login in octets: an RFC 5321 §4.5.3.1.3 path holds 256 octets
  /// including the angle brackets.
  public static let maxLength = 254

  /// The normalised form of `raw` (surrounding whitespace trimmed, local part and domain
  /// lowercased), or nil when it is not a plausible `local@domain` address.
  ///
  /// A nil result must be handled exactly like an unknown account: same reply, same
  /// delay, counted the same way.
  public static func normalize(_ raw: String) -> String? {
    let trimmed = trim(raw)
    guard !trimmed.isEmpty, trimmed.utf8.count <= maxLength,
      let at = trimmed.lastIndex(of: "@")
    else { return nil }
    let local = trimmed[..<at]
    let domain = trimmed[trimmed.index(after: at)...]
    guard isDotAtom(local), local.utf8.count <= 64, isDomain(domain) else { return nil }
    return local.lowercased() + "@" + domain.lowercased()
  }

  /// The key under which failures for an unusable login name are counted: trimmed,
  /// lowercased and bounded, so a malformed name is throttled like an unknown account.
  static func failureKey(_ raw: String) -> String {
    String(trim(raw).lowercased().prefix(maxLength))
  }

  private static func trim(_ s: String) -> String {
    var view = Substring(s)
    while let c = view.first, c.isWhitespace { view.removeFirst() }
    while let c = view.last, c.isWhitespace { view.removeLast() }
    return String(view)
  }

  /// RFC 5322 §3.2.3 dot-atom, with any non-ASCII character allowed (RFC 6531 SMTPUTF8).
  private static func isDotAtom(_ s: Substring) -> Bool {
    guard !s.isEmpty, s.first != ".", s.last != ".", !s.contains("..") else { return false }
    return s.unicodeScalars.allSatisfy { u in
      if u.value >= 0x80 { return isPrintableNonASCII(u) }
      return u == "." || isAText(UInt8(u.value))
    }
  }

  private static let atextSpecials = Set("!#$%&'*+-/=?^_`{|}~".utf8)

  private static func isAText(_ c: UInt8) -> Bool { isAlphanumeric(c) || atextSpecials.contains(c) }

  private static func isAlphanumeric(_ c: UInt8) -> Bool {
    switch c {
    case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
    default: false
    }
  }

  /// Dot-separated labels of letters, digits and hyphens (or non-ASCII, for U-labels);
  /// no empty label, no label starting or ending with a hyphen.
  private static func isDomain(_ s: Substring) -> Bool {
    guard !s.isEmpty, s.utf8.count <= 253 else { return false }
    let labels = s.split(separator: ".", omittingEmptySubsequences: false)
    return labels.allSatisfy { label in
      guard !label.isEmpty, label.utf8.count <= 63, label.first != "-", label.last != "-"
      else { return false }
      return label.unicodeScalars.allSatisfy { u in
        if u.value >= 0x80 { return isPrintableNonASCII(u) }
        return u == "-" || isAlphanumeric(UInt8(u.value))
      }
    }
  }

  private static func isPrintableNonASCII(_ u: Unicode.Scalar) -> Bool {
    !u.properties.isWhitespace && u.properties.generalCategory != .control
  }
}
