import Crypto
import DKIM
import MIME
import Testing

/// RFC 6376 §3.4.5's example message: header `A: X`, `B : Y<HTAB>` folded with `<HTAB>Z  `,
/// and a body with inner and trailing whitespace plus two trailing empty lines.
let rfc6376Example = Array(
  "A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n C \r\nD \t E\r\n\r\n\r\n".utf8)

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

func text(_ b: [UInt8]) -> String { String(decoding: b, as: UTF8.self) }

@Suite struct CanonicalizationTests {
  func headerBlock(_ c: DKIMCanonicalization, _ message: [UInt8]) -> [UInt8] {
    let header = Header.parse(message)
    return header.fields.flatMap { c.canonicalHeader($0, in: message) }
  }

  func body(_ message: [UInt8]) -> [UInt8] {
    Array(message[Header.parse(message).bodyStart...])
  }

  @Test func rfc6376RelaxedHeaders() {
    #expect(text(headerBlock(.relaxed, rfc6376Example)) == "a:X\r\nb:Y Z\r\n")
  }

  @Test func rfc6376SimpleHeadersAreUnchanged() {
    #expect(text(headerBlock(.simple, rfc6376Example)) == "A: X\r\nB : Y\t\r\n\tZ  \r\n")
  }

  @Test func rfc6376RelaxedBody() {
    let out = DKIMCanonicalization.relaxed.canonicalBody(body(rfc6376Example))
    #expect(text(out) == " C\r\nD E\r\n")
  }

  @Test func rfc6376SimpleBody() {
    let out = DKIMCanonicalization.simple.canonicalBody(body(rfc6376Example))
    #expect(text(out) == " C \r\nD \t E\r\n")
  }

  /// RFC 6376 §3.4.3 and §3.4.4: an empty body is one CRLF under simple and nothing under
  /// relaxed, which gives these well-known `bh=` values.
  @Test func emptyBodyHashes() {
    let simple = DKIMBodyHash.compute([UInt8](), range: 0..<0, canonicalization: .simple)
    let relaxed = DKIMBodyHash.compute([UInt8](), range: 0..<0, canonicalization: .relaxed)
    #expect(simple == SHA256.hash(bytes("\r\n")))
    #expect(relaxed == SHA256.hash([UInt8]()))
    #expect(Base64.encode(simple) == "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=")
    #expect(Base64.encode(relaxed) == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
  }

  /// Bodies of only empty (or, relaxed, only blank) lines are empty bodies.
  @Test(arguments: [
    ("\r\n", "\r\n", ""),
    ("\r\n\r\n\r\n", "\r\n", ""),
    (" \r\n\t\r\n", " \r\n\t\r\n", ""),
    ("abc", "abc\r\n", "abc\r\n"),
    ("abc\r\n", "abc\r\n", "abc\r\n"),
    ("abc\r\n\r\n", "abc\r\n", "abc\r\n"),
    ("a  b\t\tc  \r\n", "a  b\t\tc  \r\n", "a b c\r\n"),
    ("\r\n\r\nx\r\n", "\r\n\r\nx\r\n", "\r\n\r\nx\r\n"),
    ("  lead\r\n", "  lead\r\n", " lead\r\n"),
    // Bare LF and bare CR become CRLF, as the SMTP client sends them.
    ("a\nb\n\n", "a\r\nb\r\n", "a\r\nb\r\n"),
    ("a\rb\r", "a\r\nb\r\n", "a\r\nb\r\n"),
    ("a \n \nb", "a \r\n \r\nb\r\n", "a\r\n\r\nb\r\n"),
  ])
  func bodyTable(input: String, simple: String, relaxed: String) {
    #expect(text(DKIMCanonicalization.simple.canonicalBody(bytes(input))) == simple)
    #expect(text(DKIMCanonicalization.relaxed.canonicalBody(bytes(input))) == relaxed)
  }

  @Test(arguments: [
    ("Subject: Hello\r\n", "Subject: Hello\r\n", "subject:Hello\r\n"),
    ("SUBJECT :  two   words  \r\n", "SUBJECT :  two   words  \r\n", "subject:two words\r\n"),
    ("To: a,\r\n  b\r\n", "To: a,\r\n  b\r\n", "to:a, b\r\n"),
    ("X-Empty:\r\n", "X-Empty:\r\n", "x-empty:\r\n"),
    ("X-Fold:\r\n value\r\n", "X-Fold:\r\n value\r\n", "x-fold:value\r\n"),
    ("X-Lf: a\n b\n", "X-Lf: a\r\n b\r\n", "x-lf:a b\r\n"),
    ("X-End: no break", "X-End: no break\r\n", "x-end:no break\r\n"),
  ])
  func headerTable(raw: String, simple: String, relaxed: String) {
    #expect(text(DKIMCanonicalization.simple.canonicalHeader(bytes(raw))) == simple)
    #expect(text(DKIMCanonicalization.relaxed.canonicalHeader(bytes(raw))) == relaxed)
  }

  /// The body canonicaliser's output does not depend on how the input is cut: whole,
  /// byte by byte, and in pieces that split CRLF and whitespace runs.
  @Test(arguments: DKIMCanonicalization.allCases)
  func chunkingDoesNotMatter(_ c: DKIMCanonicalization) {
    let samples = [
      body(rfc6376Example), bytes("a\r\n\r\n  b \t\r\n\r\n\r\n"), bytes("x\ry\n\rz\r"),
      bytes(" \r\n"), bytes("end without break  "),
    ]
    for sample in samples {
      let whole = c.canonicalBody(sample)
      for size in [1, 2, 3, 7] {
        var canonicalizer = DKIMBodyCanonicalizer(c)
        var out: [UInt8] = []
        var i = 0
        while i < sample.count {
          canonicalizer.canonicalize(Array(sample[i..<min(i + size, sample.count)]), into: &out)
          i += size
        }
        canonicalizer.finish(into: &out)
        #expect(out == whole, "\(c) piece size \(size): \(text(sample).debugDescription)")
      }
    }
  }

  /// The body hash over a body larger than one piece equals the hash of the whole canonical
  /// body, whatever sizes the caller feeds.
  @Test func bodyHashStreamsAcrossPieces() {
    var body: [UInt8] = []
    var n = 0
    while body.count < 3 * DKIMBodyHash.pieceSize + 1000 {
      body += bytes("line \(n) with  spaces \t \r\n")
      if n % 97 == 0 { body += bytes("\r\n\r\n") }
      n += 1
    }
    body += bytes("\r\n\r\n\r\n")
    for c in DKIMCanonicalization.allCases {
      let expected = SHA256.hash(c.canonicalBody(body))
      #expect(DKIMBodyHash.compute(body, range: 0..<body.count, canonicalization: c) == expected)
      var hash = DKIMBodyHash(c)
      var i = 0
      var size = 1
      while i < body.count {
        hash.update(Array(body[i..<min(i + size, body.count)]))
        i += size
        size = size * 3 + 1
      }
      #expect(hash.finalize() == expected)
    }
  }
}
