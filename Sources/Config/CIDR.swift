/// An IPv4 or IPv6 network in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`), as used for
/// `[listen] trusted_proxies`. A bare address is a network of one (/32 or /128).
public struct CIDR: Sendable, Hashable, CustomStringConvertible {
  /// The network address, 4 or 16 bytes, with the host bits cleared.
  public let address: [UInt8]
  /// Leading bits that must match: 0–32 for IPv4, 0–128 for IPv6.
  public let prefixLength: Int

  /// A network from an address of 4 or 16 bytes and a prefix length that fits it; host
  /// bits of `address` are cleared. Nil if the sizes don't fit.
  public init?(address: [UInt8], prefixLength: Int) {
    guard address.count == 4 || address.count == 16,
      (0...(address.count * 8)).contains(prefixLength)
    else { return nil }
    self.address = CIDR.mask(address, prefixLength)
    self.prefixLength = prefixLength
  }

  /// Parses `a.b.c.d/n`, `ipv6/n`, or a bare address. Nil if the text is not one.
  public init?(_ text: String) {
    guard case .success(let cidr) = CIDR.parse(text) else { return nil }
    self = cidr
  }

  /// The text form, `address/prefix`, which parses back to an equal value.
  public var description: String { "\(IPAddress.format(address))/\(prefixLength)" }

  /// True if `addressBytes` (4 or 16 bytes, network order) lies in this network.
  /// IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) match IPv4 networks and the other way
  /// round, since a dual-stack socket reports IPv4 clients in that form.
  public func contains(_ addressBytes: [UInt8]) -> Bool {
    var candidate = addressBytes
    var network = address
    var prefix = prefixLength
    if candidate.count == 16, network.count == 4, IPAddress.isIPv4Mapped(candidate) {
      candidate = Array(candidate[12...])
    } else if candidate.count == 4, network.count == 16 {
      candidate = CIDR.mappedPrefix + candidate
    }
    if network.count == 16, candidate.count == 16, IPAddress.isIPv4Mapped(network), prefix >= 96,
      IPAddress.isIPv4Mapped(candidate)
    {
      network = Array(network[12...])
      candidate = Array(candidate[12...])
      prefix -= 96
    }
    guard candidate.count == network.count else { return false }
    return CIDR.mask(candidate, prefix) == network
  }

  private static let mappedPrefix: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]

  private static func mask(_ bytes: [UInt8], _ prefix: Int) -> [UInt8] {
    bytes.enumerated().map { index, byte in
      let bits = min(max(prefix - index * 8, 0), 8)
      return bits == 8 ? byte : byte & ~(0xff >> UInt8(bits))
    }
  }

  /// Parses with a message saying what is wrong.
  static func parse(_ text: String) -> Result<CIDR, ValueError> {
    let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
    let addressText = parts[0]
    guard let bytes = IPAddress.parseIPv4(addressText) ?? IPAddress.parseIPv6(addressText) else {
      return .failure(ValueError("\(Quote.string(text)) is not an IP address or network"))
    }
    var prefix = bytes.count * 8
    if parts.count == 2 {
      let digits = parts[1]
      guard !digits.isEmpty, digits.count <= 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
        let value = Int(digits), value <= bytes.count * 8
      else {
        return .failure(
          ValueError(
            "\(Quote.string(text)) has a bad prefix length (0–\(bytes.count * 8) after '/')"))
      }
      prefix = value
    }
    guard let cidr = CIDR(address: bytes, prefixLength: prefix) else {
      return .failure(ValueError("\(Quote.string(text)) is not an IP network"))
    }
    return .success(cidr)
  }
}
