import Testing

@testable import MIME

/// Hostile input: every case must finish with a bounded result, and its work — counted by the
/// parsers' own counters, never timed — must grow linearly with the input.
@Suite struct LimitsTests {
  /// Runs `work` at three sizes, doubling, and checks that work per byte stays under
  /// `perByte` and that doubling the input at most doubles the work (with 10% slack).
  func expectLinear(
    _ label: String, base: Int = 50_000, perByte: Double,
    _ work: (Int) -> (bytes: Int, work: Int)
  ) {
    var last: (bytes: Int, work: Int)?
    for n in [base, base * 2, base * 4] {
      let r = work(n)
      #expect(
        Double(r.work) <= perByte * Double(r.bytes), "\(label): \(r.work) work for \(r.bytes) bytes"
      )
      if let last {
        let ratio = Double(r.work) / Double(max(last.work, 1))
        let grow = Double(r.bytes) / Double(last.bytes)
        #expect(ratio <= grow * 1.1, "\(label): work grew \(ratio)x for \(grow)x input")
      }
      last = r
    }
  }

  func parse(_ m: [UInt8], _ limits: MIMELimits = MIMELimits()) -> (MessageStructure, ParseStats) {
    var stats = ParseStats()
    let s = MessageStructure.parse(m, limits: limits, stats: &stats)
    return (s, stats)
  }

  @Test func fiftyMegabyteSingleLineBody() {
    var m = Array("Subject: big\r\nContent-Type: text/plain\r\n\r\n".utf8)
    let headerLength = m.count
    m += [UInt8](repeating: 0x61, count: 50_000_000)
    let (s, stats) = parse(m)
    #expect(s.root.bodyOctets == 50_000_000)
    #expect(s.root.bodyLines == 1)
    #expect(stats.bytesExamined == m.count)
    #expect(stats.linesExamined <= 3)
    #expect(s.root.headerRange == 0..<headerLength)
  }

  @Test func fiftyMegabyteLineInsideAMultipart() {
    var m = Array("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n".utf8)
    // Dashes, so the line looks like the start of a boundary.
    m += [UInt8](repeating: 0x2D, count: 50_000_000)
    m += Array("\r\n--b--\r\n".utf8)
    let (s, stats) = parse(m)
    #expect(s.root.children?.count == 1)
    #expect(s.root.children?[0].bodyOctets == 50_000_000)
    #expect(stats.bytesExamined <= m.count + 16)
    #expect(stats.boundaryComparisons <= 3)
  }

  @Test func millionTinyParts() {
    var m = Array("Content-Type: multipart/mixed; boundary=b\r\n\r\n".utf8)
    m.reserveCapacity(10_100_000)
    for _ in 0..<1_000_000 { m += Array("--b\r\n\r\nx\r\n".utf8) }
    let (s, stats) = parse(m)
    #expect(stats.nodesBuilt == 10_000)
    #expect(s.root.issue == .partLimit)
    #expect(s.root.children?.count == 9_999)
    // The last part keeps everything after the limit as its body.
    #expect(s.root.children?.last?.bodyRange.upperBound == m.count)
    #expect(stats.bytesExamined <= m.count)
    #expect(IMAPGrammarCheck.body(s.imapBodyStructure) == nil)
  }

  @Test func partsScaleLinearlyWithoutALimit() {
    let limits = MIMELimits(maxParts: .max)
    expectLinear("parts", base: 20_000, perByte: 2) { count in
      var m = Array("Content-Type: multipart/mixed; boundary=b\r\n\r\n".utf8)
      for _ in 0..<count { m += Array("--b\r\n\r\nx\r\n".utf8) }
      let (_, stats) = parse(m, limits)
      #expect(stats.nodesBuilt == count + 1)
      return (m.count, stats.bytesExamined + stats.boundaryComparisons + stats.nodesBuilt)
    }
  }

  @Test func deepNestingIsCapped() {
    var m = [UInt8]()
    for k in 0..<5_000 {
      m += Array("Content-Type: multipart/mixed; boundary=\"n\(k)x\"\r\n\r\n--n\(k)x\r\n".utf8)
    }
    m += Array("\r\nleaf\r\n".utf8)
    let (s, stats) = parse(m)
    var depth = 0
    var part = s.root
    while let c = part.children?.first {
      part = c
      depth += 1
    }
    #expect(depth == 100)
    #expect(part.issue == .depthLimit)
    #expect(stats.nodesBuilt == 101)
    #expect(IMAPGrammarCheck.body(s.imapBodyStructure) == nil)
  }

  @Test func nestedMessagesAreCappedToo() {
    var m = [UInt8]()
    for _ in 0..<1_000 { m += Array("Subject: x\r\nContent-Type: message/rfc822\r\n\r\n".utf8) }
    m += Array("Subject: last\r\n\r\nbody\r\n".utf8)
    let (s, stats) = parse(m)
    #expect(stats.nodesBuilt == 101)
    #expect(IMAPGrammarCheck.body(s.imapBodyStructure) == nil)
    #expect(IMAPGrammarCheck.envelope(s.imapEnvelope) == nil)
  }

  @Test func boundaryChecksStayLinearAtFullDepth() {
    // 100 open boundaries sharing a long prefix, then lines that almost match all of them:
    // the worst case for boundary comparison.
    let prefix = String(repeating: "p", count: 60)
    expectLinear("boundaries", base: 2_000, perByte: 20) { lines in
      var m = [UInt8]()
      for k in 0..<100 {
        m += Array(
          "Content-Type: multipart/mixed; boundary=\"\(prefix)\(k)\"\r\n\r\n--\(prefix)\(k)\r\n"
            .utf8)
      }
      m += Array("\r\n".utf8)
      for _ in 0..<lines { m += Array("--\(prefix)z\r\n".utf8) }
      let (_, stats) = parse(m)
      return (m.count, stats.bytesExamined + stats.boundaryComparisons)
    }
  }

  @Test func manyHeaderFields() {
    expectLinear("header fields", perByte: 2) { n in
      var m = [UInt8]()
      for _ in 0..<n { m += Array("a:b\r\n".utf8) }
      let (s, stats) = parse(m)
      #expect(s.root.bodyRange == m.count..<m.count)
      return (m.count, stats.bytesExamined + stats.headerFields)
    }
    var m = [UInt8]()
    for _ in 0..<50_000 { m += Array("a:b\r\n".utf8) }
    #expect(Header.parse(m).fields.count == 10_000)
  }

  @Test func nulBytes() {
    let m: [UInt8] =
      Array("Subject: a".utf8) + [0, 0] + Array("b\r\nFrom: x".utf8) + [0]
      + Array("@y\r\n\r\n".utf8)
      + [UInt8](repeating: 0, count: 1000)
    let (s, _) = parse(m)
    #expect(s.root.bodyOctets == 1000)
    #expect(!s.imapEnvelope.contains(0))
    #expect(IMAPGrammarCheck.envelope(s.imapEnvelope) == nil)
    #expect(s.envelope.subject == "a\0\0b")
    let onlyNUL = [UInt8](repeating: 0, count: 10_000)
    let (t, _) = parse(onlyNUL)
    #expect(t.root.headerRange == 0..<0 && t.root.bodyOctets == 10_000)
  }

  @Test func invalidBase64() {
    expectLinear("base64", perByte: 1.01) { n in
      let junk = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 7919) }
      let out = TransferEncoding.base64.decode(junk)
      #expect(out.count <= n * 3 / 4 + 3)
      return (n, n)
    }
  }

  @Test func unterminatedQuotedStrings() {
    expectLinear("quoted", perByte: 1.01) { n in
      let v = Array(("\"" + String(repeating: "a, <b@c> ", count: n / 9)).utf8)
      var work = 0
      let list = v.withUnsafeBytes {
        AddressParser.parse($0, 0..<$0.count, maxAddresses: 100, work: &work)
      }
      #expect(list.count == 1)
      return (v.count, work)
    }
  }

  @Test func nestedComments() {
    expectLinear("comments", perByte: 1.01) { n in
      let v = Array((String(repeating: "(", count: n) + "a@b").utf8)
      var work = 0
      let list = v.withUnsafeBytes {
        AddressParser.parse($0, 0..<$0.count, maxAddresses: 100, work: &work)
      }
      #expect(list.isEmpty)
      return (v.count, work)
    }
  }

  @Test func addressSoup() {
    expectLinear("address soup", perByte: 2.1) { n in
      let v = Array(String(repeating: "<@a,:;<>\"\\.@", count: n / 13).utf8)
      var work = 0
      _ = v.withUnsafeBytes {
        AddressParser.parse($0, 0..<$0.count, maxAddresses: .max, work: &work)
      }
      return (v.count, work)
    }
  }

  @Test func encodedWordLookalikes() {
    for pattern in ["=?", "=?a?q?", "=?a?", "=?utf-8?q?x?=?", "=?a?b?=?c"] {
      expectLinear("encoded words \(pattern)", perByte: 3) { n in
        let v = Array(String(repeating: pattern, count: n / pattern.utf8.count).utf8)
        var work = 0
        _ = EncodedWords.decode(v, work: &work)
        return (v.count, work)
      }
    }
  }

  @Test func quotedPrintableLookalikes() {
    for pattern in ["=", "=    ", "= \t", "   \r\n", "=4"] {
      expectLinear("quoted-printable \(pattern.debugDescription)", perByte: 3) { n in
        let v = Array(String(repeating: pattern, count: n / pattern.utf8.count).utf8)
        var work = 0
        _ = TransferDecoding.quotedPrintable(v, work: &work)
        return (v.count, work)
      }
    }
  }

  @Test func htmlLookalikes() {
    for pattern in ["<!--", "<script>", "<a", "&#x;", "</script", "<style><"] {
      expectLinear("html \(pattern)", perByte: 4) { n in
        let v = String(repeating: pattern, count: n / pattern.utf8.count)
        var work = 0
        _ = HTMLText.plainText(v, work: &work)
        return (v.utf8.count, work)
      }
    }
  }

  @Test func parameterSoup() {
    expectLinear("parameters", perByte: 3) { n in
      let v = Array(("text/plain" + String(repeating: "; a*0*=x", count: n / 8)).utf8)
      var lexer = 0
      let t = v.withUnsafeBytes { buf -> ContentType? in
        var l = StructuredLexer(buf, 0..<buf.count, dialect: .mime)
        while l.next() != .end {}
        lexer = l.consumed
        return ContentType.parse(buf, 0..<buf.count)?.contentType
      }
      #expect(t?.parameters.count == 1)
      return (v.count, lexer)
    }
  }

  @Test func unknownAndHostileCharsets() {
    for label in ["x-nope", "", "../gconv", "UTF-8//TRANSLIT", "ISO-2022-CN-EXT", "IBM1364"] {
      #expect(Charset.decode([0x61, 0xFF], charset: label) == "a\u{FFFD}")
    }
  }
}
