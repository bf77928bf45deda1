/// The fixed 12-octet header of a DNS message (RFC 1035 §4.1.1), without the
/// section counts: those follow from the sections when encoding.
public struct DNSHeader: Sendable, Hashable {
  /// Matches a reply to its query; random per query to resist spoofing.
  public var id: UInt16
  /// QR: set in responses.
  public var isResponse = false
  /// OPCODE (4 bits); 0 is a standard query.
  public var opcode: UInt8 = 0
  /// AA: the answer comes from an authoritative server.
  public var isAuthoritative = false
  /// TC: the reply did not fit and was cut; ask again over TCP.
  public var isTruncated = false
  /// RD: the client asks the server to recurse.
  public var recursionDesired = false
  /// RA: the server offers recursion.
  public var recursionAvailable = false
  /// AD: the server validated the answer with DNSSEC (RFC 4035 §3.2.3).
  public var authenticData = false
  /// CD: the client asks the server not to validate (RFC 4035 §3.2.2).
  public var checkingDisabled = false
  /// The low four bits of the response code; see `DNSMessage.rcode`.
  public var rcode: UInt8 = 0

  public init(id: UInt16) {
    self.id = id
  }

  /// The header's size on the wire.
  public static let size = 12

  /// The two flag octets: QR(1) OPCODE(4) AA TC RD | RA Z AD CD RCODE(4).
  var flags: UInt16 {
    var f = UInt16(opcode & 0xf) << 11 | UInt16(rcode & 0xf)
    if isResponse { f |= 0x8000 }
    if isAuthoritative { f |= 0x0400 }
    if isTruncated { f |= 0x0200 }
    if recursionDesired { f |= 0x0100 }
    if recursionAvailable { f |= 0x0080 }
    if authenticData { f |= 0x0020 }
    if checkingDisabled { f |= 0x0010 }
    return f
  }

  init(id: UInt16, flags f: UInt16) {
    self.id = id
    isResponse = f & 0x8000 != 0
    opcode = UInt8(f >> 11 & 0xf)
    isAuthoritative = f & 0x0400 != 0
    isTruncated = f & 0x0200 != 0
    recursionDesired = f & 0x0100 != 0
    recursionAvailable = f & 0x0080 != 0
    authenticData = f & 0x0020 != 0
    checkingDisabled = f & 0x0010 != 0
    rcode = UInt8(f & 0xf)
  }
}

/// One entry of the question section (RFC 1035 §4.1.2).
public struct DNSQuestion: Sendable, Hashable, CustomStringConvertible {
  public var name: DNSName
  public var type: DNSRecordType
  public var rrClass: DNSClass

  public init(name: DNSName, type: DNSRecordType, rrClass: DNSClass = .internet) {
    self.name = name
    self.type = type
    self.rrClass = rrClass
  }

  public var description: String { "\(name) \(rrClass) \(type)" }
}
