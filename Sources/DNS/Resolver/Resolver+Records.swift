// The typed lookups of `DNSResolving`, built on `Resolver.lookup`.

extension Resolver {
  public func mx(_ domain: String) async throws(DNSError) -> MXResult {
    let answer = try await lookup(domain, type: .mx)
    switch answer.outcome {
    case .nxdomain:
      return .nxdomain
    case .noData:
      return .noRecords
    case .records:
      return Self.mxResult(answer.data)
    }
  }

  /// Sorts and classifies MX data (RFC 5321 §5.1, RFC 7505 §3). A lone MX
  /// with the root as exchange is a null MX; root exchanges mixed with real
  /// ones are dropped, since nothing can be delivered to them.
  static func mxResult(_ data: [DNSRecordData]) -> MXResult {
    var exchangers: [(UInt16, DNSName)] = []
    for d in data {
      if case .mx(let preference, let exchange) = d { exchangers.append((preference, exchange)) }
    }
    if exchangers.isEmpty { return .noRecords }
    let real = exchangers.filter { !$0.1.isRoot }
    if real.isEmpty { return .nullMX }
    var byPreference: [UInt16: [MX]] = [:]
    for (preference, exchange) in real {
      byPreference[preference, default: []].append(
        MX(preference: preference, host: exchange.description))
    }
    var out: [MX] = []
    for preference in byPreference.keys.sorted() {
      out += byPreference[preference, default: []].shuffled()
    }
    return .records(out)
  }

  public func a(_ host: String) async throws(DNSError) -> [IPAddress] {
    try await addresses(host, type: .a)
  }

  public func aaaa(_ host: String) async throws(DNSError) -> [IPAddress] {
    try await addresses(host, type: .aaaa)
  }

  private func addresses(_ host: String, type: DNSRecordType) async throws(DNSError)
    -> [IPAddress]
  {
    if let literal = IPAddress(host) {
      return (literal.family == .ipv4) == (type == .a) ? [literal] : []
    }
    let answer = try await lookup(host, type: type)
    if answer.outcome == .nxdomain { throw .nxdomain(host) }
    return answer.data.compactMap { d in
      switch d {
      case .a(let b), .aaaa(let b): IPAddress(bytes: b)
      default: nil
      }
    }
  }

  public func txt(_ name: String) async throws(DNSError) -> [TXTRecord] {
    let answer = try await lookup(name, type: .txt)
    if answer.outcome == .nxdomain { throw .nxdomain(name) }
    return answer.data.compactMap { d in
      if case .txt(let strings) = d { return TXTRecord(strings: strings) }
      return nil
    }
  }

  public func ptr(_ address: IPAddress) async throws(DNSError) -> [String] {
    let name = address.reverseName
    let answer = try await lookup(name, type: .ptr)
    if answer.outcome == .nxdomain { throw .nxdomain(name.description) }
    return answer.data.compactMap { d in
      if case .ptr(let host) = d { return host.description }
      return nil
    }
  }
}
