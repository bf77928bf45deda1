/// What delivery (and later SPF, DKIM and DMARC) asks of DNS. `Resolver` is the
/// real implementation; `MockResolver` answers from maps in tests.
///
/// Names are presentation text (`"example.com"`, a final dot allowed). Answers
/// follow CNAMEs. A name that does not exist throws `DNSError.nxdomain`
/// (except from `mx`, which reports it as `MXResult.nxdomain`); a name that
/// exists without records of the type gives an empty array.
public protocol DNSResolving: Sendable {
  /// The mail exchangers of `domain` (RFC 5321 §5.1, RFC 7505).
  func mx(_ domain: String) async throws(DNSError) -> MXResult
  /// IPv4 addresses of `host`; an IPv4 literal is returned as is.
  func a(_ host: String) async throws(DNSError) -> [IPAddress]
  /// IPv6 addresses of `host`; an IPv6 literal is returned as is.
  func aaaa(_ host: String) async throws(DNSError) -> [IPAddress]
  /// IPv4 then IPv6 addresses of `host` (both asked at once). Succeeds if
  /// either family has addresses; otherwise throws NXDOMAIN if the name does
  /// not exist, or the first temporary error.
  func addresses(_ host: String) async throws(DNSError) -> [IPAddress]
  /// The TXT records at `name`, each with its strings.
  func txt(_ name: String) async throws(DNSError) -> [TXTRecord]
  /// The host names an address's PTR records give, without the final dot.
  func ptr(_ address: IPAddress) async throws(DNSError) -> [String]
}

extension DNSResolving {
  /// Asks `a` and `aaaa` concurrently and combines them as the requirement says.
  public func addresses(_ host: String) async throws(DNSError) -> [IPAddress] {
    async let v4 = Self.capture { () async throws(DNSError) in try await self.a(host) }
    async let v6 = Self.capture { () async throws(DNSError) in try await self.aaaa(host) }
    return try combineAddresses(await v4, await v6, host: host)
  }

  private static func capture(
    _ body: () async throws(DNSError) -> [IPAddress]
  ) async -> Result<[IPAddress], DNSError> {
    do {
      return .success(try await body())
    } catch {
      return .failure(error)
    }
  }
}

/// IPv4 first: its reverse DNS and reachability are what receiving mail
/// servers check most, and hosts without IPv6 routes then lose no time.
func combineAddresses(
  _ v4: Result<[IPAddress], DNSError>, _ v6: Result<[IPAddress], DNSError>, host: String
) throws(DNSError) -> [IPAddress] {
  let found = ((try? v4.get()) ?? []) + ((try? v6.get()) ?? [])
  if !found.isEmpty { return found }
  var errors: [DNSError] = []
  if case .failure(let e) = v4 { errors.append(e) }
  if case .failure(let e) = v6 { errors.append(e) }
  if let permanent = errors.first(where: \.isPermanent) { throw permanent }
  if let first = errors.first { throw first }
  return []
}

/// The outcome of an MX lookup, as RFC 5321 §5.1 and RFC 7505 distinguish them.
public enum MXResult: Sendable, Hashable {
  /// Mail exchangers by ascending preference, in random order among equal
  /// preferences (RFC 5321 §5.1), so load spreads across them.
  case records([MX])
  /// The domain publishes a null MX (a single MX `0 .`, RFC 7505): it accepts
  /// no mail. Fail the recipient at once (RFC 7505 §4.1: 556 5.1.10).
  case nullMX
  /// The domain exists but has no MX records: deliver to the domain's own
  /// A/AAAA addresses (the implicit MX, RFC 5321 §5.1).
  case noRecords
  /// The domain does not exist: fail the recipient at once.
  case nxdomain
}

/// One mail exchanger.
public struct MX: Sendable, Hashable, CustomStringConvertible {
  /// Lower is tried first.
  public var preference: UInt16
  /// The exchanger's host name, without the final dot.
  public var host: String

  public init(preference: UInt16, host: String) {
    self.preference = preference
    self.host = host
  }

  public var description: String { "\(preference) \(host)" }
}

/// One TXT record: its character-strings, which SPF and DKIM join without
/// separators (RFC 7208 §3.3, RFC 6376 §3.6.2.2).
public struct TXTRecord: Sendable, Hashable, CustomStringConvertible {
  public var strings: [[UInt8]]

  public init(strings: [[UInt8]]) {
    self.strings = strings
  }

  /// The strings concatenated.
  public var joined: [UInt8] { strings.flatMap { $0 } }

  /// The strings concatenated as text (invalid UTF-8 replaced).
  public var text: String { String(decoding: joined, as: UTF8.self) }

  public var description: String { text }
}
