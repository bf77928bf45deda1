/// A resource record type (RFC 1035 §3.2.2, later RFCs for the rest). An open
/// set: unknown types keep their number and print as `TYPE123` (RFC 3597 §5).
public struct DNSRecordType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
  public let rawValue: UInt16

  public init(rawValue: UInt16) {
    self.rawValue = rawValue
  }

  public static let a = DNSRecordType(rawValue: 1)
  public static let ns = DNSRecordType(rawValue: 2)
  public static let cname = DNSRecordType(rawValue: 5)
  public static let soa = DNSRecordType(rawValue: 6)
  public static let ptr = DNSRecordType(rawValue: 12)
  public static let mx = DNSRecordType(rawValue: 15)
  public static let txt = DNSRecordType(rawValue: 16)
  public static let aaaa = DNSRecordType(rawValue: 28)
  public static let srv = DNSRecordType(rawValue: 33)
  /// The EDNS pseudo-record (RFC 6891 §6.1.1); never a question type.
  public static let opt = DNSRecordType(rawValue: 41)
  public static let any = DNSRecordType(rawValue: 255)

  public var description: String {
    switch self {
    case .a: "A"
    case .ns: "NS"
    case .cname: "CNAME"
    case .soa: "SOA"
    case .ptr: "PTR"
    case .mx: "MX"
    case .txt: "TXT"
    case .aaaa: "AAAA"
    case .srv: "SRV"
    case .opt: "OPT"
    case .any: "ANY"
    default: "TYPE\(rawValue)"
    }
  }
}

/// A record class (RFC 1035 §3.2.4). Mail only ever uses `IN`.
public struct DNSClass: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
  public let rawValue: UInt16

  public init(rawValue: UInt16) {
    self.rawValue = rawValue
  }

  /// The Internet class.
  public static let internet = DNSClass(rawValue: 1)

  public var description: String {
    self == .internet ? "IN" : "CLASS\(rawValue)"
  }
}

/// A response code: the header's four bits, extended to twelve by EDNS
/// (RFC 6891 §6.1.3).
public struct DNSRcode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
  public let rawValue: UInt16

  public init(rawValue: UInt16) {
    self.rawValue = rawValue & 0xfff
  }

  public static let noError = DNSRcode(rawValue: 0)
  /// The server could not parse the query.
  public static let formatError = DNSRcode(rawValue: 1)
  /// The server could not answer (for example, the authoritative servers failed).
  public static let serverFailure = DNSRcode(rawValue: 2)
  /// The name does not exist (RFC 1035's "Name Error").
  public static let nameError = DNSRcode(rawValue: 3)
  public static let notImplemented = DNSRcode(rawValue: 4)
  public static let refused = DNSRcode(rawValue: 5)
  /// The server does not speak the EDNS version asked for (RFC 6891 §6.1.3).
  public static let badVersion = DNSRcode(rawValue: 16)

  public var description: String {
    switch self {
    case .noError: "NOERROR"
    case .formatError: "FORMERR"
    case .serverFailure: "SERVFAIL"
    case .nameError: "NXDOMAIN"
    case .notImplemented: "NOTIMP"
    case .refused: "REFUSED"
    case .badVersion: "BADVERS"
    default: "RCODE\(rawValue)"
    }
  }
}
