/// A host with an optional port, as written for `[delivery.smarthost] host` and `[dns]
/// servers`: `name`, `name:port`, an IP literal, `ip:port`, `[ipv6]:port`, and Postfix's
/// `[name]:port` (the brackets are dropped; a smarthost is never looked up by MX anyway).
struct HostPort: Sendable, Equatable {
  /// A lower-case host name, or an IP literal in canonical form without brackets.
  var host: String
  /// Nil when the text gives none.
  var port: Int?
  /// Whether `host` is an IP address rather than a name.
  var isIPLiteral: Bool

  /// `host:port`, with brackets around an IPv6 literal.
  var description: String {
    let h = host.contains(":") ? "[\(host)]" : host
    return port.map { "\(h):\($0)" } ?? h
  }

  static func parse(_ text: String) -> Result<HostPort, ValueError> {
    let quoted = Quote.string(text)
    guard !text.isEmpty else { return .failure(ValueError("the address is empty")) }
    // A bare IPv6 literal has colons of its own, so it is tried whole before splitting.
    if let bytes = IPAddress.parseIPv6(text[...]) {
      return .success(HostPort(host: IPAddress.format(bytes), port: nil, isIPLiteral: true))
    }
    var hostPart: Substring
    var portPart: Substring?
    var bracketed = false
    if text.hasPrefix("[") {
      guard let close = text.firstIndex(of: "]") else {
        return .failure(ValueError("\(quoted) has '[' without ']'"))
      }
      hostPart = text[text.index(after: text.startIndex)..<close]
      let rest = text[text.index(after: close)...]
      if !rest.isEmpty {
        guard rest.first == ":" else {
          return .failure(ValueError("\(quoted): expected :port after ']'"))
        }
        portPart = rest.dropFirst()
      }
      bracketed = true
    } else if let colon = text.lastIndex(of: ":") {
      hostPart = text[..<colon]
      portPart = text[text.index(after: colon)...]
      if hostPart.contains(":") {
        return .failure(ValueError("\(quoted): put an IPv6 address in brackets, as in [::1]:53"))
      }
    } else {
      hostPart = text[...]
    }
    var port: Int?
    if let portPart {
      guard let number = parsePort(portPart) else {
        return .failure(ValueError("\(quoted) has a bad port (1–65535)"))
      }
      port = number
    }
    guard !hostPart.isEmpty else { return .failure(ValueError("\(quoted) has no host")) }
    if bracketed, let bytes = IPAddress.parseIPv6(hostPart) {
      return .success(HostPort(host: IPAddress.format(bytes), port: port, isIPLiteral: true))
    }
    if hostPart.allSatisfy({ $0 == "." || ($0.isASCII && $0.isNumber) }) {
      guard let bytes = IPAddress.parseIPv4(hostPart) else {
        return .failure(ValueError("\(quoted) has a bad IPv4 address"))
      }
      return .success(HostPort(host: IPAddress.format(bytes), port: port, isIPLiteral: true))
    }
    switch HostName.validate(String(hostPart)) {
    case .success(let name): return .success(HostPort(host: name, port: port, isIPLiteral: false))
    case .failure(let error):
      return .failure(ValueError("\(quoted) has a bad host name: \(error.reason)"))
    }
  }

  /// A `[dns] servers` entry: an IP address (or `localhost`, which the resolver takes as
  /// 127.0.0.1) with an optional port, 53 by default. Names are refused: finding the name
  /// server's address would itself need a name server. The result is `ip:port`, which the
  /// DNS module parses back.
  static func parseNameServer(_ text: String) -> Result<String, ValueError> {
    var address: HostPort
    switch parse(text) {
    case .success(let parsed): address = parsed
    case .failure(let error): return .failure(error)
    }
    if !address.isIPLiteral {
      guard address.host == "localhost" else {
        return .failure(
          ValueError(
            "\(Quote.string(text)): a name server must be an IP address, as in "
              + "127.0.0.1:53 or [::1]:53 (its name could not be looked up without one)"))
      }
      address.host = "127.0.0.1"
    }
    if address.port == nil { address.port = 53 }
    return .success(address.description)
  }

  private static func parsePort(_ text: Substring) -> Int? {
    guard !text.isEmpty, text.count <= 5, text.allSatisfy({ $0.isASCII && $0.isNumber }),
      let port = Int(text), (1...65_535).contains(port)
    else { return nil }
    return port
  }
}
