/// A resource record (RFC 1035 §4.1.3) with its data decoded where Posta
/// needs the type, and kept as raw octets otherwise.
public struct DNSResourceRecord: Sendable, Hashable, CustomStringConvertible {
  /// The owner name.
  public var name: DNSName
  /// The record type; for decoded data it agrees with `data`'s case.
  public var type: DNSRecordType
  public var rrClass: DNSClass
  /// Seconds the record may be cached (RFC 2181 §8: values with the top bit set
  /// are read as zero).
  public var ttl: UInt32
  public var data: DNSRecordData

  /// A record of an explicit type; for typed `data` the type must match it.
  public init(
    name: DNSName, type: DNSRecordType, rrClass: DNSClass = .internet, ttl: UInt32,
    data: DNSRecordData
  ) {
    self.name = name
    self.type = type
    self.rrClass = rrClass
    self.ttl = ttl
    self.data = data
  }

  /// A record whose type follows from typed `data` (not `.raw`).
  public init(name: DNSName, ttl: UInt32, data: DNSRecordData) {
    self.init(name: name, type: data.type ?? DNSRecordType(rawValue: 0), ttl: ttl, data: data)
  }

  public var description: String { "\(name) \(ttl) \(rrClass) \(type) \(data)" }
}

/// The data of a record.
public enum DNSRecordData: Sendable, Hashable, CustomStringConvertible {
  /// An IPv4 address, 4 octets in network order (class IN only).
  case a([UInt8])
  /// An IPv6 address, 16 octets in network order (class IN only).
  case aaaa([UInt8])
  case ns(DNSName)
  case cname(DNSName)
  case ptr(DNSName)
  /// A mail exchanger; `exchange` is the root for a null MX (RFC 7505).
  case mx(preference: UInt16, exchange: DNSName)
  /// One or more character-strings of at most 255 octets each (RFC 1035 §3.3.14);
  /// SPF and DKIM join them without separators.
  case txt([[UInt8]])
  case soa(DNSSOA)
  /// Any other type, as received (RFC 3597).
  case raw([UInt8])

  /// The record type this data belongs to; nil for `.raw`.
  public var type: DNSRecordType? {
    switch self {
    case .a: .a
    case .aaaa: .aaaa
    case .ns: .ns
    case .cname: .cname
    case .ptr: .ptr
    case .mx: .mx
    case .txt: .txt
    case .soa: .soa
    case .raw: nil
    }
  }

  public var description: String {
    switch self {
    case .a(let b): b.map(String.init).joined(separator: ".")
    case .aaaa(let b):
      stride(from: 0, to: b.count - 1, by: 2).map {
        String(UInt16(b[$0]) << 8 | UInt16(b[$0 + 1]), radix: 16)
      }.joined(separator: ":")
    case .ns(let n), .cname(let n), .ptr(let n): "\(n)."
    case .mx(let p, let x): "\(p) \(x.isRoot ? "." : "\(x).")"
    case .txt(let strings):
      strings.map { "\"\(String(decoding: $0, as: UTF8.self))\"" }.joined(separator: " ")
    case .soa(let s): s.description
    case .raw(let b): "\\# \(b.count)"
    }
  }
}

/// Start-of-authority data (RFC 1035 §3.3.13). Resolvers read it from the
/// authority section of negative answers: its `minimum` bounds how long
/// "no such name" may be cached (RFC 2308 §5).
public struct DNSSOA: Sendable, Hashable, CustomStringConvertible {
  public var primary: DNSName
  public var mailbox: DNSName
  public var serial: UInt32
  public var refresh: UInt32
  public var retry: UInt32
  public var expire: UInt32
  public var minimum: UInt32

  public init(
    primary: DNSName, mailbox: DNSName, serial: UInt32, refresh: UInt32, retry: UInt32,
    expire: UInt32, minimum: UInt32
  ) {
    self.primary = primary
    self.mailbox = mailbox
    self.serial = serial
    self.refresh = refresh
    self.retry = retry
    self.expire = expire
    self.minimum = minimum
  }

  public var description: String {
    "\(primary). \(mailbox). \(serial) \(refresh) \(retry) \(expire) \(minimum)"
  }
}

/// The EDNS(0) OPT pseudo-record's contents (RFC 6891 §6.1.2).
public struct EDNS: Sendable, Hashable {
  /// The largest UDP reply the sender can take. 1232 avoids IP fragmentation
  /// on almost every path (the DNS flag day 2020 recommendation).
  public var udpPayloadSize: UInt16
  /// The upper eight bits of the twelve-bit response code.
  public var extendedRcode: UInt8
  public var version: UInt8
  /// DO: the sender understands DNSSEC records.
  public var dnssecOK: Bool
  public var options: [EDNSOption]

  public init(
    udpPayloadSize: UInt16 = 1232, extendedRcode: UInt8 = 0, version: UInt8 = 0,
    dnssecOK: Bool = false, options: [EDNSOption] = []
  ) {
    self.udpPayloadSize = udpPayloadSize
    self.extendedRcode = extendedRcode
    self.version = version
    self.dnssecOK = dnssecOK
    self.options = options
  }
}

/// One EDNS option, kept raw (code and data).
public struct EDNSOption: Sendable, Hashable {
  public var code: UInt16
  public var data: [UInt8]

  public init(code: UInt16, data: [UInt8]) {
    self.code = code
    self.data = data
  }
}
