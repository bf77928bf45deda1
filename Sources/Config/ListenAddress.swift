/// One address a listener binds: `host:port`, where host is an IPv4 address, an IPv6
/// address in brackets (`[::1]:993`), or a host name such as `localhost` (resolved when the
/// listener starts).
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
  /// The host without brackets: `0.0.0.0`, `::1` (canonical RFC 5952 form) or `localhost`.
  public var host: String
  /// The TCP port, 1–65535.
  public var port: UInt16

  /// An address from its parts; `host` is taken as given.
  public init(host: String, port: UInt16) {
    self.host = host
    self.port = port
  }

  /// Parses `host:port` or `[ipv6]:port`. Nil if the text is not one.
  public init?(_ text: String) {
    guard case .success(let address) = ListenAddress.parse(text) else { return nil }
    self = address
  }

  /// `host:port`, with brackets around an IPv6 host; parses back to an equal value.
  public var description: String {
    host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
  }

  /// The host's 4 or 16 address bytes if it is an IP literal, nil for a host name.
  public var addressBytes: [UInt8]? {
    IPAddress.parseIPv4(host[...]) ?? IPAddress.parseIPv6(host[...])
  }

  /// Parses with a message saying what is wrong.
  static func parse(_ text: String) -> Result<ListenAddress, ValueError> {
    let quoted = Quote.string(text)
    let hostPart: Substring
    let portPart: Substring
    if text.hasPrefix("[") {
      guard let close = text.firstIndex(of: "]") else {
        return .failure(ValueError("\(quoted) has '[' without ']'"))
      }
      hostPart = text[text.index(after: text.startIndex)..<close]
      let rest = text[text.index(after: close)...]
      guard rest.first == ":" else {
        return .failure(ValueError("\(quoted) has no port (write [address]:port)"))
      }
      portPart = rest.dropFirst()
      guard let bytes = IPAddress.parseIPv6(hostPart) else {
        return .failure(ValueError("\(quoted) has a bad IPv6 address in brackets"))
      }
      guard let port = parsePort(portPart) else { return .failure(badPort(quoted)) }
      return .success(ListenAddress(host: IPAddress.format(bytes), port: port))
    }
    guard let colon = text.lastIndex(of: ":") else {
      return .failure(ValueError("\(quoted) has no port (write host:port)"))
    }
    hostPart = text[..<colon]
    portPart = text[text.index(after: colon)...]
    if hostPart.contains(":") {
      return .failure(ValueError("\(quoted): put an IPv6 address in brackets, as in [::1]:25"))
    }
    guard !hostPart.isEmpty else {
      return .failure(
        ValueError("\(quoted) has no host (use 0.0.0.0 for every IPv4 address, [::] for IPv6)"))
    }
    guard let port = parsePort(portPart) else { return .failure(badPort(quoted)) }
    if hostPart.allSatisfy({ $0 == "." || ($0.isASCII && $0.isNumber) }) {
      guard let bytes = IPAddress.parseIPv4(hostPart) else {
        return .failure(ValueError("\(quoted) has a bad IPv4 address"))
      }
      return .success(ListenAddress(host: IPAddress.format(bytes), port: port))
    }
    switch HostName.validate(String(hostPart)) {
    case .success(let name): return .success(ListenAddress(host: name, port: port))
    case .failure(let error):
      return .failure(ValueError("\(quoted) has a bad host name: \(error.reason)"))
    }
  }

  private static func parsePort(_ text: Substring) -> UInt16? {
    guard !text.isEmpty, text.count <= 5, text.allSatisfy({ $0.isASCII && $0.isNumber }),
      let port = UInt16(text), port > 0
    else { return nil }
    return port
  }

  private static func badPort(_ quoted: String) -> ValueError {
    ValueError("\(quoted) has a bad port (1–65535)")
  }
}
