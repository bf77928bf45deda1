import Delivery
import MIME
import Testing

/// The 8-bit to 7-bit converter used for next hops without 8BITMIME (RFC 6152).
@Suite struct EightBitDowngradeTests {
  /// Every octet below 128, and no line over 998 octets (RFC 5321 §4.5.3.1.6).
  func expectSevenBit(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(!bytes.contains { $0 >= 0x80 }, "8-bit octet left", sourceLocation: sourceLocation)
    let longest = bytes.split(separator: 10, omittingEmptySubsequences: false).map(\.count).max()
    #expect((longest ?? 0) <= 1000, "line too long", sourceLocation: sourceLocation)
  }

  /// A part's content after transfer decoding.
  func decoded(_ part: MIMEPart, in bytes: [UInt8]) -> [UInt8] {
    part.transferEncoding.decode(bytes[part.bodyRange])
  }

  func header(_ part: MIMEPart, _ name: String, in bytes: [UInt8]) -> String? {
    Header.parse(bytes, in: part.headerRange).first(named: name)?.unfoldedValue(in: bytes)
  }

  @Test func aPlainMessageBecomesQuotedPrintableWithMIMEFieldsAndTheSameText() throws {
    let body =
      "Grüße aus Köln — ünïcödé\r\n\r\nA long line: " + String(repeating: "é", count: 200)
      + "\r\nTrailing space \r\n.dot line\r\n"
    let original = Array(
      "From: a@a.test\r\nTo: b@b.test\r\nSubject: Caf\u{e9}\r\n\r\n\(body)".utf8)
    let converted = try EightBitDowngrade.convert(original)
    expectSevenBit(Array(converted[Header.parse(converted).bodyStart...]))
    let root = MessageStructure.parse(converted).root
    #expect(header(root, "MIME-Version", in: converted) == "1.0")
    #expect(header(root, "Content-Type", in: converted) == "text/plain; charset=utf-8")
    #expect(root.transferEncoding == .quotedPrintable)
    #expect(decoded(root, in: converted) == Array(body.utf8))
    // The header is left as it was, 8-bit Subject included.
    #expect(
      converted.starts(with: Array("From: a@a.test\r\nTo: b@b.test\r\nSubject: Café\r\n".utf8)))
    #expect(
      converted.split(separator: 10).allSatisfy { $0.count <= 77 },
      "quoted-printable lines within 76 characters plus CR")
  }

  @Test func aMessageWithoutEightBitBodyIsUnchanged() throws {
    let original = Array("From: J\u{f6}rg <j@a.test>\r\nSubject: x\r\n\r\nplain ASCII\r\n".utf8)
    #expect(try EightBitDowngrade.convert(original) == original)
  }

  static let multipart = Array(
    """
    From: a@a.test\r
    MIME-Version: 1.0\r
    Content-Type: multipart/mixed; boundary="XX-b1"\r
    Content-Transfer-Encoding: 8bit\r
    \r
    Preamble with \u{e9}.\r
    --XX-b1\r
    Content-Type: text/plain; charset=utf-8\r
    Content-Transfer-Encoding: 8bit\r
    \r
    H\u{e9}llo w\u{f6}rld\r
    line two = with equals\r
    --XX-b1\r
    Content-Type: text/plain\r
    \r
    all ascii stays as it is\r
    --XX-b1\r
    Content-Type: application/octet-stream\r
    Content-Transfer-Encoding: binary\r
    \r
    \u{ff}\u{fe}\u{0}\u{1}raw\r
    --XX-b1\r
    Content-Type: message/rfc822\r
    Content-Transfer-Encoding: 8bit\r
    \r
    From: inner@c.test\r
    Subject: inner\r
    \r
    Inner b\u{f6}dy\r
    --XX-b1\r
    Content-Type: text/html; charset=utf-8\r
    Content-Transfer-Encoding: quoted-printable\r
    \r
    <p>caf=C3=A9 and raw caf\u{e9}</p>=\r
    next\r
    --XX-b1\r
    Content-Type: image/png\r
    Content-Transfer-Encoding: base64\r
    \r
    aGVs\u{e9}bG8=\r
    --XX-b1--\r
    Epilogue \u{fc}.\r

    """.utf8)

  @Test func multipartKeepsItsBoundariesAndEveryPartDecodesToTheSameContent() throws {
    let original = Self.multipart
    let converted = try EightBitDowngrade.convert(original)
    expectSevenBit(converted)
    let before = MessageStructure.parse(original).root
    let after = MessageStructure.parse(converted).root
    #expect(after.contentType.parameter("boundary") == "XX-b1")
    #expect(header(after, "Content-Transfer-Encoding", in: converted) == "7bit")
    let text = String(decoding: converted, as: UTF8.self)
    #expect(text.components(separatedBy: "\r\n--XX-b1\r\n").count == 7)
    #expect(text.contains("\r\n--XX-b1--\r\n"))
    #expect(text.contains("Preamble with ??."), "each octet of the UTF-8 é replaced")
    #expect(text.contains("Epilogue ??."))

    let old = try #require(before.children)
    let new = try #require(after.children)
    #expect(new.count == old.count)
    #expect(new.map(\.contentType.mimeType) == old.map(\.contentType.mimeType))
    // Text 8bit → quoted-printable; ASCII untouched; binary → base64; QP re-encoded;
    // stray 8-bit octets dropped from base64.
    #expect(new[0].transferEncoding == .quotedPrintable)
    #expect(decoded(new[0], in: converted) == decoded(old[0], in: original))
    #expect(
      converted[new[1].headerRange.lowerBound..<new[1].bodyRange.upperBound]
        == original[old[1].headerRange.lowerBound..<old[1].bodyRange.upperBound])
    #expect(new[2].transferEncoding == .base64)
    #expect(decoded(new[2], in: converted) == decoded(old[2], in: original))
    #expect(new[4].transferEncoding == .quotedPrintable)
    #expect(decoded(new[4], in: converted) == decoded(old[4], in: original))
    #expect(
      String(decoding: decoded(new[4], in: converted), as: UTF8.self)
        == "<p>café and raw café</p>next")
    #expect(new[5].transferEncoding == .base64)
    #expect(decoded(new[5], in: converted) == Array("hello".utf8))

    // message/rfc822: labelled 7bit, its own body converted, its header kept.
    #expect(header(new[3], "Content-Transfer-Encoding", in: converted) == "7bit")
    let inner = try #require(new[3].encapsulatedMessage)
    let oldInner = try #require(old[3].encapsulatedMessage)
    #expect(inner.transferEncoding == .quotedPrintable)
    #expect(header(inner, "Subject", in: converted) == "inner")
    #expect(decoded(inner, in: converted) == decoded(oldInner, in: original))
  }

  @Test func convertingTwiceChangesNothingMore() throws {
    let once = try EightBitDowngrade.convert(Self.multipart)
    #expect(try EightBitDowngrade.convert(once) == once)
  }

  @Test func messageGlobalIsBase64EncodedWhole() throws {
    let inner = "From: j\u{f6}rg@b\u{fc}cher.test\r\n\r\nH\u{e9}\r\n"
    let original = Array(
      """
      MIME-Version: 1.0\r
      Content-Type: multipart/mixed; boundary=b\r
      \r
      --b\r
      Content-Type: message/global\r
      \r
      \(inner)--b--\r

      """.utf8)
    let converted = try EightBitDowngrade.convert(original)
    expectSevenBit(converted)
    let part = try #require(MessageStructure.parse(converted).root.children?.first)
    #expect(part.transferEncoding == .base64)
    #expect(decoded(part, in: converted) == Array(inner.utf8).dropLast(2))
  }

  @Test func unknownEncodingsAndUnsplittableContainersWithEightBitFail() throws {
    let uuencoded = Array(
      """
      MIME-Version: 1.0\r
      Content-Type: application/octet-stream\r
      Content-Transfer-Encoding: x-uuencode\r
      \r
      begin 644 \u{e9}\r

      """.utf8)
    #expect(throws: EightBitDowngrade.Failure.unknownEncoding("x-uuencode")) {
      try EightBitDowngrade.convert(uuencoded)
    }
    let noBoundary = Array(
      "MIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\n--x\r\n\u{e9}\r\n".utf8)
    #expect(throws: EightBitDowngrade.Failure.tooComplex("multipart/mixed")) {
      try EightBitDowngrade.convert(noBoundary)
    }
  }

  @Test func quotedPrintableRoundTripsArbitraryText() {
    // A fixed pseudo-random sequence: every octet value, bare CR and LF, spaces before
    // line breaks, long lines.
    var state: UInt32 = 12345
    func next() -> UInt8 {
      state = state &* 1_103_515_245 &+ 12345
      return UInt8(truncatingIfNeeded: state >> 16)
    }
    for length in [0, 1, 2, 75, 76, 77, 300, 5000] {
      var text: [UInt8] = []
      for _ in 0..<length {
        switch next() % 8 {
        case 0: text += [13, 10]
        case 1: text += [32]
        case 2: text += [9, 13, 10]
        default: text.append(next())
        }
      }
      let encoded = EightBitDowngrade.quotedPrintable(text)
      expectSevenBit(encoded)
      #expect(encoded.split(separator: 10).allSatisfy { $0.count <= 77 })
      #expect(TransferEncoding.quotedPrintable.decode(encoded) == text, "length \(length)")
    }
  }
}
