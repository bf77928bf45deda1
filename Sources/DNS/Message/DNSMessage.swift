/// A whole DNS message (RFC 1035 §4.1): header, question, answer, authority
/// and additional sections, with the EDNS OPT record lifted out of the
/// additional section into `edns`.
public struct DNSMessage: Sendable, Hashable {
  public var header: DNSHeader
  public var questions: [DNSQuestion]
  public var answers: [DNSResourceRecord]
  public var authorities: [DNSResourceRecord]
  /// The additional section without the OPT record.
  public var additionals: [DNSResourceRecord]
  /// The EDNS OPT record's contents, if the message carries one.
  public var edns: EDNS?

  public init(
    header: DNSHeader, questions: [DNSQuestion] = [], answers: [DNSResourceRecord] = [],
    authorities: [DNSResourceRecord] = [], additionals: [DNSResourceRecord] = [],
    edns: EDNS? = nil
  ) {
    self.header = header
    self.questions = questions
    self.answers = answers
    self.authorities = authorities
    self.additionals = additionals
    self.edns = edns
  }

  /// A recursive query for one name and type, advertising `edns` (by default a
  /// 1232-octet UDP payload, RFC 6891 §6.2.5).
  public static func query(
    id: UInt16, name: DNSName, type: DNSRecordType, edns: EDNS? = EDNS()
  ) -> DNSMessage {
    var header = DNSHeader(id: id)
    header.recursionDesired = true
    return DNSMessage(
      header: header, questions: [DNSQuestion(name: name, type: type)], edns: edns)
  }

  /// The full response code: the header's four bits plus EDNS's upper eight.
  public var rcode: DNSRcode {
    get { DNSRcode(rawValue: UInt16(edns?.extendedRcode ?? 0) << 4 | UInt16(header.rcode)) }
    set {
      header.rcode = UInt8(newValue.rawValue & 0xf)
      let upper = UInt8(newValue.rawValue >> 4)
      if edns != nil {
        edns?.extendedRcode = upper
      } else if upper != 0 {
        edns = EDNS(extendedRcode: upper)
      }
    }
  }

  // MARK: - Decoding

  /// Decodes a message. Octets after the last record are ignored.
  /// - Throws: `DNSMessageError` for a truncated message, a bad name (loop,
  ///   forward pointer, oversize label or name), record data that does not fit
  ///   its type, or a misplaced or repeated OPT record.
  public static func decode(_ bytes: [UInt8]) throws(DNSMessageError) -> DNSMessage {
    var r = WireReader(bytes)
    let (header, counts) = try readHeader(&r)
    var message = DNSMessage(header: header)
    message.questions = try readQuestions(&r, count: counts.0)
    message.answers = try readRecords(&r, count: counts.1)
    message.authorities = try readRecords(&r, count: counts.2)
    let optStart = r.offset
    var additionals = try readRecords(&r, count: counts.3)
    let opts = additionals.indices.filter { additionals[$0].type == .opt }
    if opts.count > 1 { throw .badOPT(offset: optStart, reason: "more than one OPT record") }
    if let i = opts.first {
      let opt = additionals.remove(at: i)
      guard opt.name.isRoot else {
        throw .badOPT(offset: optStart, reason: "owner is \(opt.name), not the root")
      }
      guard case .raw(let data) = opt.data else {
        throw .badOPT(offset: optStart, reason: "data not kept raw")
      }
      message.edns = try EDNS(ttl: opt.ttl, udpPayloadSize: opt.rrClass.rawValue, data: data)
    }
    message.additionals = additionals
    return message
  }

  /// Decodes only the header and question section, which may succeed where
  /// `decode` fails: a truncated (TC) UDP reply can be cut inside its records,
  /// and the header and question are all a resolver needs to match it to its
  /// query before retrying over TCP.
  public static func decodeHeaderAndQuestions(
    _ bytes: [UInt8]
  ) throws(DNSMessageError) -> (header: DNSHeader, questions: [DNSQuestion]) {
    var r = WireReader(bytes)
    let (header, counts) = try readHeader(&r)
    return (header, try readQuestions(&r, count: counts.0))
  }

  private static func readHeader(
    _ r: inout WireReader
  ) throws(DNSMessageError) -> (DNSHeader, (Int, Int, Int, Int)) {
    let id = try r.u16("the header")
    let flags = try r.u16("the header")
    let qd = Int(try r.u16("the header"))
    let an = Int(try r.u16("the header"))
    let ns = Int(try r.u16("the header"))
    let ar = Int(try r.u16("the header"))
    return (DNSHeader(id: id, flags: flags), (qd, an, ns, ar))
  }

  private static func readQuestions(
    _ r: inout WireReader, count: Int
  ) throws(DNSMessageError) -> [DNSQuestion] {
    var questions: [DNSQuestion] = []
    // Each entry takes at least 5 octets: never reserve more than could arrive.
    questions.reserveCapacity(min(count, r.remaining / 5))
    for _ in 0..<count {
      let name = try r.name()
      let type = DNSRecordType(rawValue: try r.u16("a question type"))
      let rrClass = DNSClass(rawValue: try r.u16("a question class"))
      questions.append(DNSQuestion(name: name, type: type, rrClass: rrClass))
    }
    return questions
  }

  private static func readRecords(
    _ r: inout WireReader, count: Int
  ) throws(DNSMessageError) -> [DNSResourceRecord] {
    var records: [DNSResourceRecord] = []
    records.reserveCapacity(min(count, r.remaining / 11))
    for _ in 0..<count {
      let name = try r.name()
      let type = DNSRecordType(rawValue: try r.u16("a record type"))
      let rrClass = DNSClass(rawValue: try r.u16("a record class"))
      let rawTTL = try r.u32("a record TTL")
      let length = Int(try r.u16("a record data length"))
      guard r.remaining >= length else {
        throw .truncated(offset: r.offset, what: "\(length) octets of \(type) data")
      }
      let data = try readData(&r, type: type, rrClass: rrClass, length: length)
      // RFC 2181 §8: a TTL with the top bit set means zero. OPT reuses the
      // field for flags, so it stays as sent.
      let ttl = type == .opt || rawTTL < 0x8000_0000 ? rawTTL : 0
      records.append(
        DNSResourceRecord(name: name, type: type, rrClass: rrClass, ttl: ttl, data: data))
    }
    return records
  }

  private static func readData(
    _ r: inout WireReader, type: DNSRecordType, rrClass: DNSClass, length: Int
  ) throws(DNSMessageError) -> DNSRecordData {
    let start = r.offset
    let end = start + length
    func bad(_ reason: String) -> DNSMessageError {
      .badRecordData(offset: start, type: type.description, reason: reason)
    }
    let data: DNSRecordData
    switch type {
    case .a where rrClass == .internet:
      guard length == 4 else { throw bad("\(length) octets, an IPv4 address has 4") }
      data = .a(try r.take(4, "an IPv4 address"))
    case .aaaa where rrClass == .internet:
      guard length == 16 else { throw bad("\(length) octets, an IPv6 address has 16") }
      data = .aaaa(try r.take(16, "an IPv6 address"))
    case .ns, .cname, .ptr:
      let name = try r.name()
      data = type == .ns ? .ns(name) : type == .cname ? .cname(name) : .ptr(name)
    case .mx:
      guard length >= 3 else { throw bad("\(length) octets, too short for MX") }
      let preference = try r.u16("an MX preference")
      data = .mx(preference: preference, exchange: try r.name())
    case .txt:
      var strings: [[UInt8]] = []
      while r.offset < end {
        let count = Int(try r.u8("a TXT string length"))
        guard r.offset + count <= end else { throw bad("a string runs past the record") }
        strings.append(try r.take(count, "a TXT string"))
      }
      data = .txt(strings)
    case .soa:
      let primary = try r.name()
      let mailbox = try r.name()
      data = .soa(
        DNSSOA(
          primary: primary, mailbox: mailbox, serial: try r.u32("SOA serial"),
          refresh: try r.u32("SOA refresh"), retry: try r.u32("SOA retry"),
          expire: try r.u32("SOA expire"), minimum: try r.u32("SOA minimum")))
    default:
      data = .raw(try r.take(length, "record data"))
    }
    guard r.offset == end else {
      throw bad(r.offset < end ? "\(end - r.offset) octets left over" : "runs past its length")
    }
    return data
  }

  // MARK: - Encoding

  /// Encodes the message, compressing names unless `compress` is false.
  /// - Throws: `DNSMessageError.badRecordData` when a record's type and data
  ///   disagree or a value does not fit its field, `.tooManyEntries`, or
  ///   `.messageTooLarge` past 65,535 octets.
  public func encode(compress: Bool = true) throws(DNSMessageError) -> [UInt8] {
    var w = WireWriter(compress: compress)
    let arcount = additionals.count + (edns == nil ? 0 : 1)
    let sections = [
      ("question", questions.count), ("answer", answers.count),
      ("authority", authorities.count), ("additional", arcount),
    ]
    for (section, count) in sections where count > 0xffff {
      throw .tooManyEntries(section: section, count: count)
    }
    w.u16(header.id)
    w.u16(header.flags)
    for (_, count) in sections { w.u16(UInt16(count)) }
    for q in questions {
      w.name(q.name)
      w.u16(q.type.rawValue)
      w.u16(q.rrClass.rawValue)
    }
    for record in answers + authorities + additionals { try Self.write(record, &w) }
    if let edns {
      try Self.write(try edns.record(rcode: rcode), &w)
    }
    guard w.count <= 0xffff else { throw .messageTooLarge(size: w.count) }
    return w.bytes
  }

  private static func write(_ record: DNSResourceRecord, _ w: inout WireWriter)
    throws(DNSMessageError)
  {
    func bad(_ reason: String) -> DNSMessageError {
      .badRecordData(offset: w.count, type: record.type.description, reason: reason)
    }
    if let typed = record.data.type, typed != record.type {
      throw bad("the data is \(typed) data")
    }
    w.name(record.name)
    w.u16(record.type.rawValue)
    w.u16(record.rrClass.rawValue)
    w.u32(record.ttl)
    let lengthAt = w.count
    w.u16(0)
    switch record.data {
    case .a(let b):
      guard b.count == 4 else { throw bad("an IPv4 address has 4 octets, not \(b.count)") }
      w.append(b)
    case .aaaa(let b):
      guard b.count == 16 else { throw bad("an IPv6 address has 16 octets, not \(b.count)") }
      w.append(b)
    case .ns(let n), .cname(let n), .ptr(let n):
      w.name(n)
    case .mx(let preference, let exchange):
      w.u16(preference)
      w.name(exchange)
    case .txt(let strings):
      for s in strings {
        guard s.count <= 255 else { throw bad("a string of \(s.count) octets; at most 255") }
        w.u8(UInt8(s.count))
        w.append(s)
      }
    case .soa(let s):
      w.name(s.primary)
      w.name(s.mailbox)
      for v in [s.serial, s.refresh, s.retry, s.expire, s.minimum] { w.u32(v) }
    case .raw(let b):
      w.append(b)
    }
    let length = w.count - lengthAt - 2
    guard length <= 0xffff else { throw bad("\(length) octets of data; at most 65535") }
    w.set16(UInt16(length), at: lengthAt)
  }
}

extension EDNS {
  /// Reads the OPT record's TTL field (extended rcode, version, DO) and options.
  init(ttl: UInt32, udpPayloadSize: UInt16, data: [UInt8]) throws(DNSMessageError) {
    var options: [EDNSOption] = []
    var r = WireReader(data)
    while r.remaining > 0 {
      let code = try r.u16("an EDNS option code")
      let length = Int(try r.u16("an EDNS option length"))
      options.append(EDNSOption(code: code, data: try r.take(length, "EDNS option data")))
    }
    self.init(
      udpPayloadSize: udpPayloadSize, extendedRcode: UInt8(ttl >> 24),
      version: UInt8(ttl >> 16 & 0xff), dnssecOK: ttl & 0x8000 != 0, options: options)
  }

  /// The OPT pseudo-record carrying this EDNS data and the upper bits of `rcode`.
  func record(rcode: DNSRcode) throws(DNSMessageError) -> DNSResourceRecord {
    var data: [UInt8] = []
    for option in options {
      guard option.data.count <= 0xffff else {
        throw .badOPT(offset: 0, reason: "option \(option.code) has more than 65535 octets")
      }
      data += [UInt8(option.code >> 8), UInt8(option.code & 0xff)]
      data += [UInt8(option.data.count >> 8 & 0xff), UInt8(option.data.count & 0xff)]
      data += option.data
    }
    let ttl =
      UInt32(rcode.rawValue >> 4) << 24 | UInt32(version) << 16 | (dnssecOK ? 0x8000 : 0)
    return DNSResourceRecord(
      name: .root, type: .opt, rrClass: DNSClass(rawValue: udpPayloadSize), ttl: ttl,
      data: .raw(data))
  }
}
