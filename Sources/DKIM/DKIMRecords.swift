import Crypto

/// The DNS records an admin publishes for DKIM keys (RFC 6376 §3.6.1, RFC 8463 §4).
public enum DKIMRecords {
  /// The TXT data for `key`: `v=DKIM1; k=rsa; p=<base64>`.
  public static func txtData(for key: PublicKey) -> String {
    "v=DKIM1; k=\(key.type.rawValue); p=\(key.dkimRecordValue)"
  }

  /// The owner name of a key record, fully qualified: `<selector>._domainkey.<domain>.`.
  public static func ownerName(selector: String, domain: String) -> String {
    let d = domain.hasSuffix(".") ? String(domain.dropLast()) : domain
    return "\(selector)._domainkey.\(d.lowercased())."
  }

  /// One zone-file line for `key` of `domain`, e.g.
  /// `posta20261127a._domainkey.example.com. IN TXT "v=DKIM1; k=rsa; p=MIIB..." "..."`.
  public static func zoneLine(for key: DKIMKey, domain: String, ttl: Int? = nil) -> String {
    ZoneFile.txtLine(
      name: ownerName(selector: key.selector, domain: domain), data: txtData(for: key.publicKey),
      ttl: ttl)
  }

  /// The DKIM lines for `posta dns`: one per key, in the order given (pass
  /// ``DKIMKeyStore/storedKeys(for:)`` so that keys kept after a rotation stay published).
  /// `hostname` is not part of a DKIM record; it is taken so every record family of
  /// `posta dns` is called the same way.
  public static func dnsRecords(
    domain: String, hostname: String? = nil, keys: [DKIMKey], ttl: Int? = nil
  ) -> [String] {
    keys.map { zoneLine(for: $0, domain: domain, ttl: ttl) }
  }
}

/// Zone-file (RFC 1035 §5.1) text for TXT records.
public enum ZoneFile {
  /// A TXT character-string holds at most 255 octets (RFC 1035 §3.3.14).
  public static let maxStringLength = 255

  /// `data` cut into pieces of at most `maxLength` octets; their concatenation is `data`.
  /// Empty data gives one empty piece, since a TXT record needs at least one string.
  public static func splitTXT(_ data: [UInt8], maxLength: Int = maxStringLength) -> [[UInt8]] {
    precondition(maxLength > 0, "maxLength must be positive")
    guard !data.isEmpty else { return [[]] }
    return stride(from: 0, to: data.count, by: maxLength).map {
      Array(data[$0..<min($0 + maxLength, data.count)])
    }
  }

  /// `data` as quoted strings of at most `maxLength` octets each, separated by spaces:
  /// `"v=DKIM1; k=rsa; p=MIIB..." "..."`. Quotes and backslashes are escaped, and bytes
  /// outside printable ASCII written as `\DDD`, so the line is plain ASCII.
  public static func quotedTXT(_ data: String, maxLength: Int = maxStringLength) -> String {
    splitTXT(Array(data.utf8), maxLength: maxLength).map(quote).joined(separator: " ")
  }

  /// A whole TXT record line: `<name> [<ttl>] IN TXT "..." "..."`.
  public static func txtLine(name: String, data: String, ttl: Int? = nil) -> String {
    let ttlField = ttl.map { " \($0)" } ?? ""
    return "\(name)\(ttlField) IN TXT \(quotedTXT(data))"
  }

  private static func quote(_ piece: [UInt8]) -> String {
    var out = "\""
    for b in piece {
      switch b {
      case 0x22: out += "\\\""
      case 0x5C: out += "\\\\"
      case 0x20...0x7E: out.unicodeScalars.append(UnicodeScalar(b))
      default:
        let digits = String(b)
        out += "\\" + String(repeating: "0", count: 3 - digits.count) + digits
      }
    }
    return out + "\""
  }
}
