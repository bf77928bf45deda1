/// The result of one lookup after following CNAMEs: the records of the
/// asked type at the end of the chain, or why there are none.
public struct DNSAnswer: Sendable, Hashable {
  /// Why the answer holds what it holds.
  public enum Outcome: Sendable, Hashable {
    /// Records of the asked type, owned by `canonicalName`.
    case records([DNSResourceRecord])
    /// The name exists but has no records of the type (NODATA, RFC 2308 §2.2).
    case noData
    /// The name (or the end of its CNAME chain) does not exist (RFC 2308 §2.1).
    case nxdomain
  }

  /// The name and type asked for.
  public var question: DNSQuestion
  /// The last name of the CNAME chain (the question's name if there was none).
  public var canonicalName: DNSName
  public var outcome: Outcome
  /// How many more seconds the answer may be cached: the smallest TTL on the
  /// chain, or for a negative answer the SOA's negative TTL (0: not cached).
  public var ttl: UInt32

  public init(question: DNSQuestion, canonicalName: DNSName, outcome: Outcome, ttl: UInt32) {
    self.question = question
    self.canonicalName = canonicalName
    self.outcome = outcome
    self.ttl = ttl
  }

  /// The records' data, or none for a negative answer.
  public var data: [DNSRecordData] {
    if case .records(let rrs) = outcome { return rrs.map(\.data) }
    return []
  }
}
