import Testing

@testable import DNS

/// Builds a message by hand: a header with the given counts, then `body`.
func packet(
  id: UInt16 = 0xbeef, flags: UInt16 = 0x8180, qd: UInt16 = 0, an: UInt16 = 0,
  ns: UInt16 = 0, ar: UInt16 = 0, _ body: [UInt8]
) -> [UInt8] {
  var out: [UInt8] = []
  for v in [id, flags, qd, an, ns, ar] { out += [UInt8(v >> 8), UInt8(v & 0xff)] }
  return out + body
}

/// `example.com` in wire form.
let exampleCom: [UInt8] = [7] + Array("example".utf8) + [3] + Array("com".utf8) + [0]

@Suite struct DNSMessageTests {
  @Test func queryHasTheExpectedBytes() throws {
    let q = DNSMessage.query(id: 0x1234, name: name("example.com"), type: .mx)
    let expected =
      packet(id: 0x1234, flags: 0x0100, qd: 1, ar: 1, exampleCom + [0, 15, 0, 1])
      + [0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0]
    #expect(try q.encode() == expected)
    let back = try DNSMessage.decode(expected)
    #expect(back == q)
    #expect(back.edns?.udpPayloadSize == 1232)
  }

  static func fullResponse() -> DNSMessage {
    var header = DNSHeader(id: 7)
    header.isResponse = true
    header.isAuthoritative = true
    header.recursionDesired = true
    header.recursionAvailable = true
    header.authenticData = true
    return DNSMessage(
      header: header,
      questions: [DNSQuestion(name: name("Example.com"), type: .mx)],
      answers: [
        rr("example.com", .mx(preference: 10, exchange: name("mx1.example.com"))),
        rr("example.com", .mx(preference: 0, exchange: .root)),
        rr("www.example.com", .cname(name("example.com")), ttl: 60),
        rr("mx1.example.com", .a([192, 0, 2, 1])),
        rr(
          "mx1.example.com", .aaaa([0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1])),
        rr("example.com", .txt([Array("v=spf1 ".utf8), Array("-all".utf8), []])),
        rr("1.2.0.192.in-addr.arpa", .ptr(name("mx1.example.com"))),
        rr("example.com", .ns(name("ns1.example.com"))),
        DNSResourceRecord(
          name: name("example.com"), type: DNSRecordType(rawValue: 99), ttl: 5,
          data: .raw([1, 2, 3])),
        DNSResourceRecord(
          name: name("example.com"), type: .a, rrClass: DNSClass(rawValue: 3), ttl: 5,
          data: .raw([9, 9])),
      ],
      authorities: [soa("example.com")],
      additionals: [rr("ns1.example.com", .a([192, 0, 2, 53]))],
      edns: EDNS(
        udpPayloadSize: 4096, dnssecOK: true, options: [EDNSOption(code: 10, data: [1, 2])])
    )
  }

  @Test(arguments: [true, false])
  func everyRecordTypeRoundTrips(compress: Bool) throws {
    let m = Self.fullResponse()
    let bytes = try m.encode(compress: compress)
    let back = try DNSMessage.decode(bytes)
    #expect(back == m)
    // Exact spelling survives too (names compare without case).
    #expect(back.questions[0].name.labels[0] == Array("Example".utf8))
  }

  @Test func compressionPointsAtEarlierNames() throws {
    let m = Self.fullResponse()
    let small = try m.encode()
    let large = try m.encode(compress: false)
    #expect(small.count < large.count)
    // The first answer's owner "example.com" is the question's suffix at 12+8.
    let answerStart = 12 + 1 + 7 + exampleCom.count + 4
    #expect(Array(small[answerStart..<answerStart + 2]) == [0xc0, 20])
  }

  @Test func decodesHandMadeCompression() throws {
    // Question example.com MX; answer owner = pointer to 12; MX exchange
    // "mail" + pointer to 12; second answer owner = pointer to the exchange.
    var body = exampleCom + [0, 15, 0, 1]
    body += [0xc0, 12, 0, 15, 0, 1, 0, 0, 0, 60, 0, 9, 0, 5, 4] + Array("mail".utf8) + [0xc0, 12]
    let mailAt = 12 + body.count - 7
    body += [0xc0, UInt8(mailAt), 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 25]
    let m = try DNSMessage.decode(packet(qd: 1, an: 2, body))
    #expect(m.answers.count == 2)
    #expect(m.answers[0].data == .mx(preference: 5, exchange: name("mail.example.com")))
    #expect(m.answers[1].name == name("mail.example.com"))
    #expect(m.answers[1].data == .a([192, 0, 2, 25]))
  }

  @Test func refusesPointerLoops() {
    // A pointer to itself.
    #expect(throws: DNSMessageError.badPointer(offset: 12, target: 12)) {
      _ = try DNSMessage.decode(packet(qd: 1, [0xc0, 12, 0, 1, 0, 1]))
    }
    // Two names pointing at each other: the second pointer goes forwards.
    let loop: [UInt8] = [1, 0x61, 0xc0, 16, 1, 0x62, 0xc0, 12, 0, 1, 0, 1]
    #expect(throws: DNSMessageError.badPointer(offset: 14, target: 16)) {
      _ = try DNSMessage.decode(packet(qd: 1, loop))
    }
    // A name that points back into itself.
    #expect(throws: DNSMessageError.badPointer(offset: 14, target: 12)) {
      _ = try DNSMessage.decode(packet(qd: 1, [1, 0x61, 0xc0, 12, 0, 1, 0, 1]))
    }
    // Into the header.
    #expect(throws: DNSMessageError.badPointer(offset: 12, target: 2)) {
      _ = try DNSMessage.decode(packet(qd: 1, [0xc0, 2, 0, 1, 0, 1]))
    }
  }

  @Test func refusesReservedLabelTypes() {
    // 0x40 would be a 64-octet label, or an extended label type: refused either way.
    let body: [UInt8] = [0x40] + Array(repeating: 0x61, count: 64) + [0, 0, 1, 0, 1]
    #expect(throws: DNSMessageError.badLabelType(offset: 12, byte: 0x40)) {
      _ = try DNSMessage.decode(packet(qd: 1, body))
    }
    #expect(throws: DNSMessageError.badLabelType(offset: 12, byte: 0x80)) {
      _ = try DNSMessage.decode(packet(qd: 1, [0x80, 0, 0, 1, 0, 1]))
    }
  }

  @Test func refusesNamesOverTheLimitBuiltFromPointers() {
    // Four names, each a 63-octet label in front of the previous one.
    var body: [UInt8] = []
    var previous: Int?
    for _ in 0..<4 {
      let at = 12 + body.count
      body += [63] + Array(repeating: 0x78, count: 63)
      if let previous { body += [0xc0, UInt8(previous)] } else { body += [0] }
      body += [0, 1, 0, 1]
      previous = at
    }
    #expect {
      _ = try DNSMessage.decode(packet(qd: 4, body))
    } throws: { error in
      if case DNSMessageError.nameTooLong = error { return true }
      return false
    }
    // Three of them fit (3 × 64 + 1 = 193 octets).
    #expect(throws: Never.self) {
      _ = try DNSMessage.decode(packet(qd: 3, Array(body[0..<(64 + 1 + 4 + 2 * (64 + 2 + 4))])))
    }
  }

  @Test func everyTruncationFailsCleanly() throws {
    let bytes = try Self.fullResponse().encode()
    for length in 0..<bytes.count {
      #expect(throws: DNSMessageError.self, "prefix of \(length) octets") {
        _ = try DNSMessage.decode(Array(bytes[0..<length]))
      }
    }
    #expect(throws: DNSMessageError.truncated(offset: 0, what: "the header")) {
      _ = try DNSMessage.decode([])
    }
  }

  @Test func headerAndQuestionDecodeWithoutTheRecords() throws {
    var m = Self.fullResponse()
    m.header.isTruncated = true
    let bytes = try m.encode()
    let cut = Array(bytes[0..<40])
    #expect(throws: DNSMessageError.self) { _ = try DNSMessage.decode(cut) }
    let (header, questions) = try DNSMessage.decodeHeaderAndQuestions(cut)
    #expect(header.isTruncated)
    #expect(header.id == 7)
    #expect(questions == m.questions)
  }

  @Test func refusesRecordDataThatDoesNotFitItsType() {
    let owner: [UInt8] = [0xc0, 12]
    func answer(_ type: UInt16, _ rdata: [UInt8], length: Int? = nil) -> [UInt8] {
      let n = length ?? rdata.count
      let fixed: [UInt8] = [0, UInt8(type), 0, 1, 0, 0, 0, 1, UInt8(n >> 8), UInt8(n & 0xff)]
      return packet(qd: 1, an: 1, exampleCom + [0, 1, 0, 1] + owner + fixed + rdata)
    }
    let cases: [(String, [UInt8])] = [
      ("IPv4", answer(1, [1, 2, 3, 4, 5])),
      ("IPv6", answer(28, [1, 2, 3, 4])),
      ("too short for MX", answer(15, [0, 1])),
      ("runs past", answer(16, [5, 0x61, 0x62])),
      ("left over", answer(5, [0xc0, 12, 0])),
      ("runs past its length", answer(15, [0, 1, 0xc0], length: 3) + [12]),
    ]
    for (reason, bytes) in cases {
      #expect(reason.isEmpty == false)
      #expect(throws: DNSMessageError.self, "\(reason)") { _ = try DNSMessage.decode(bytes) }
    }
    // The record data length itself runs past the message.
    #expect {
      _ = try DNSMessage.decode(answer(1, [1, 2], length: 4))
    } throws: { error in
      if case DNSMessageError.truncated = error { return true }
      return false
    }
  }

  @Test func readsEDNSAndTheExtendedRcode() throws {
    // Header rcode 0, OPT extended rcode 1: BADVERS (16).
    let opt: [UInt8] = [0, 0, 41, 0x02, 0x00, 1, 0, 0x80, 0, 0, 0]
    let m = try DNSMessage.decode(packet(ar: 1, opt))
    #expect(m.rcode == .badVersion)
    #expect(m.edns?.udpPayloadSize == 512)
    #expect(m.edns?.dnssecOK == true)
    #expect(m.additionals.isEmpty)
    #expect(try DNSMessage.decode(try m.encode()) == m)
  }

  @Test func refusesMisplacedOrRepeatedOPT() {
    let opt: [UInt8] = [0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0]
    #expect {
      _ = try DNSMessage.decode(packet(ar: 2, opt + opt))
    } throws: { error in
      if case DNSMessageError.badOPT(_, let reason) = error {
        return reason.contains("more than one")
      }
      return false
    }
    let owned: [UInt8] = [1, 0x61, 0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0]
    #expect(throws: DNSMessageError.self) { _ = try DNSMessage.decode(packet(ar: 1, owned)) }
    let badOption: [UInt8] = [0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 3, 0, 1, 0]
    #expect(throws: DNSMessageError.self) { _ = try DNSMessage.decode(packet(ar: 1, badOption)) }
  }

  @Test func readsHugeTTLsAsZero() throws {
    let body = exampleCom + [0, 1, 0, 1, 0x80, 0, 0, 1, 0, 4, 192, 0, 2, 1]
    let m = try DNSMessage.decode(packet(an: 1, body))
    #expect(m.answers[0].ttl == 0)
  }

  @Test func ignoresTrailingOctets() throws {
    let bytes = try Self.fullResponse().encode() + [1, 2, 3]
    #expect(try DNSMessage.decode(bytes) == Self.fullResponse())
  }

  @Test func encodingRefusesInconsistentRecords() {
    var m = DNSMessage(header: DNSHeader(id: 1))
    m.answers = [
      DNSResourceRecord(name: name("a.example"), type: .mx, ttl: 1, data: .a([1, 2, 3, 4]))
    ]
    #expect(throws: DNSMessageError.self) { _ = try m.encode() }
    m.answers = [rr("a.example", .a([1, 2, 3]))]
    #expect(throws: DNSMessageError.self) { _ = try m.encode() }
    m.answers = [rr("a.example", .txt([Array(repeating: 0x61, count: 256)]))]
    #expect(throws: DNSMessageError.self) { _ = try m.encode() }
    let big = Array(repeating: Array(repeating: UInt8(0x61), count: 255), count: 200)
    m.answers = [rr("a.example", .txt(big)), rr("b.example", .txt(big))]
    #expect(throws: DNSMessageError.messageTooLarge(size: 102_447)) { _ = try m.encode() }
  }

  @Test func flagBitsRoundTrip() throws {
    for bit in 0..<16 {
      let flags = UInt16(1) << bit
      guard flags != 0x0040 else { continue }  // Z is reserved and not kept
      let m = try DNSMessage.decode(packet(flags: flags, []))
      #expect(m.header.flags == flags, "bit \(bit)")
      #expect(try m.encode() == packet(flags: flags, []))
    }
  }
}
