import Crypto
import DKIM
import MIME

/// A minimal DKIM verifier for round-trip tests (RFC 6376 §6). Written apart from the signer:
/// it finds signatures by parsing the signed message, deletes `b=` from the field as it stands
/// and looks keys up through `records`, so a signer bug in folding, tag text or header choice
/// shows up as a failure here. Not hardened for hostile input.
struct TestVerifier {
  /// TXT data by owner name without the final dot: `sel._domainkey.example.com`.
  var records: [String: String]

  enum Outcome: Equatable {
    case pass
    case fail(String)
  }

  /// The outcome for each `DKIM-Signature` field, top to bottom.
  func verify(_ message: [UInt8]) -> [Outcome] {
    let header = Header.parse(message)
    return header.fields(named: "DKIM-Signature").map { verify(field: $0, header, message) }
  }

  private func verify(field: HeaderField, _ header: Header, _ message: [UInt8]) -> Outcome {
    let value = Array(message[field.valueRange])
    let tags = Self.tags(value)
    guard tags["v"] == "1" else { return .fail("v= is not 1") }
    guard tags["l"] == nil else { return .fail("l= present") }
    guard let a = tags["a"], let algorithm = DKIMAlgorithm(rawValue: a) else {
      return .fail("unknown a=")
    }
    let c = (tags["c"] ?? "simple").split(separator: "/").map(String.init)
    guard let hc = DKIMCanonicalization(rawValue: c[0]),
      let bc = DKIMCanonicalization(rawValue: c.count > 1 ? c[1] : "simple")
    else { return .fail("unknown c=") }
    guard let d = tags["d"], let s = tags["s"], let h = tags["h"], let bh = tags["bh"],
      let b = tags["b"]
    else { return .fail("required tag missing") }
    let names = h.split(separator: ":").map { String($0) }
    guard names.contains(where: { $0.lowercased() == "from" }) else {
      return .fail("From not signed")
    }

    let bodyHash = DKIMBodyHash.compute(
      message, range: header.bodyStart..<message.count, canonicalization: bc)
    guard Base64.encode(bodyHash) == bh else { return .fail("body hash mismatch") }

    guard let record = records["\(s)._domainkey.\(d)"] else { return .fail("no key record") }
    let keyTags = Self.tags(Array(record.utf8))
    guard let p = keyTags["p"], let k = KeyType(rawValue: keyTags["k"] ?? "rsa"),
      k == algorithm.keyType,
      let key = try? PublicKey(dkimType: k, base64: p)
    else { return .fail("bad key record") }

    var data = hc.canonicalSignedHeaders(names, header: header, in: message)
    let unsigned = Self.deletingSignature(
      Array(message[field.range]),
      valueEnd: field.valueRange
        .upperBound - field.range.lowerBound)
    data += hc.canonicalHeader(unsigned).dropLast(2)
    guard let signature = try? Base64.decode(b) else { return .fail("b= is not base64") }
    let signed = algorithm == .ed25519SHA256 ? SHA256.hash(data) : data
    return key.verify(signature: signature, for: signed) ? .pass : .fail("signature mismatch")
  }

  /// Tag list (RFC 6376 §3.2) with all whitespace removed from values, which is right for the
  /// tags used here (base64 and h= may be folded anywhere).
  static func tags(_ value: [UInt8]) -> [String: String] {
    var out: [String: String] = [:]
    for spec in value.split(separator: UInt8(ascii: ";")) {
      let text = String(decoding: spec.filter { ![9, 10, 13, 32].contains($0) }, as: UTF8.self)
      guard let eq = text.firstIndex(of: "=") else { continue }
      out[String(text[..<eq])] = String(text[text.index(after: eq)...])
    }
    return out
  }

  /// The raw field with the `b=` tag's value removed (RFC 6376 §3.7), up to `valueEnd`; the
  /// final line break is kept so canonicalisation treats the field as received.
  static func deletingSignature(_ raw: [UInt8], valueEnd: Int) -> [UInt8] {
    var i = raw.firstIndex(of: UInt8(ascii: ":"))! + 1
    while i < valueEnd {
      // At a tag start: skip whitespace, then read the name up to "=".
      var j = i
      while j < valueEnd && [9, 10, 13, 32].contains(raw[j]) { j += 1 }
      var nameEnd = j
      while nameEnd < valueEnd && raw[nameEnd] != UInt8(ascii: "=") && raw[nameEnd] != 59 {
        nameEnd += 1
      }
      let name = String(
        decoding: raw[j..<nameEnd].filter { ![9, 10, 13, 32].contains($0) },
        as: UTF8.self)
      var end = nameEnd
      while end < valueEnd && raw[end] != 59 { end += 1 }
      if name == "b" && nameEnd < valueEnd {
        return Array(raw[..<(nameEnd + 1)]) + Array(raw[end...])
      }
      i = end + 1
    }
    return raw
  }
}
