/// A `DNSResolving` that answers from maps, for tests of code that uses DNS
/// (delivery, SPF…) without sockets. Keys are names in any case, with or
/// without the final dot.
///
/// A name found in no map is NXDOMAIN; a name found in some map but not the
/// one asked gives no records. `failures` makes every lookup of a name throw.
public struct MockResolver: DNSResolving {
  public var mxRecords: [String: [MX]] = [:]
  /// Domains that publish a null MX.
  public var nullMX: Set<String> = []
  public var aRecords: [String: [IPAddress]] = [:]
  public var aaaaRecords: [String: [IPAddress]] = [:]
  public var txtRecords: [String: [TXTRecord]] = [:]
  /// PTR names by address.
  public var ptrRecords: [IPAddress: [String]] = [:]
  /// Errors to throw for a name, whatever the type asked.
  public var failures: [String: DNSError] = [:]

  public init() {}

  public func mx(_ domain: String) async throws(DNSError) -> MXResult {
    let key = try check(domain)
    if nullMX.contains(where: { Self.key($0) == key }) { return .nullMX }
    if let records = find(mxRecords, key), !records.isEmpty {
      return .records(records.sorted { $0.preference < $1.preference })
    }
    return exists(key) ? .noRecords : .nxdomain
  }

  public func a(_ host: String) async throws(DNSError) -> [IPAddress] {
    if let ip = IPAddress(host) { return ip.family == .ipv4 ? [ip] : [] }
    return try records(aRecords, host)
  }

  public func aaaa(_ host: String) async throws(DNSError) -> [IPAddress] {
    if let ip = IPAddress(host) { return ip.family == .ipv6 ? [ip] : [] }
    return try records(aaaaRecords, host)
  }

  public func txt(_ name: String) async throws(DNSError) -> [TXTRecord] {
    try records(txtRecords, name)
  }

  public func ptr(_ address: IPAddress) async throws(DNSError) -> [String] {
    guard let names = ptrRecords[address] else {
      throw .nxdomain(address.reverseName.description)
    }
    return names
  }

  private func records<T>(_ map: [String: [T]], _ name: String) throws(DNSError) -> [T] {
    let key = try check(name)
    if let found = find(map, key) { return found }
    if exists(key) { return [] }
    throw .nxdomain(name)
  }

  private func check(_ name: String) throws(DNSError) -> String {
    let key = Self.key(name)
    for (failing, error) in failures where Self.key(failing) == key { throw error }
    return key
  }

  private func find<T>(_ map: [String: T], _ key: String) -> T? {
    map.first { Self.key($0.key) == key }?.value
  }

  private func exists(_ key: String) -> Bool {
    let names =
      Array(mxRecords.keys) + Array(nullMX) + Array(aRecords.keys)
      + Array(aaaaRecords.keys) + Array(txtRecords.keys)
    return names.contains { Self.key($0) == key }
  }

  private static func key(_ name: String) -> String {
    var n = name.lowercased()
    if n.hasSuffix(".") && n.count > 1 { n.removeLast() }
    return n
  }
}
