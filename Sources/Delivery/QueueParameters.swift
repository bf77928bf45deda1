import SMTPCore

/// What the queue entry's opaque `params` text says about a message: written by the SMTP
/// server when it queues a message (its `OutboundParameters`) and by `Bouncer` for bounces.
///
/// Space-separated tokens, `KEY` or `KEY=value`; `AUTH` and `ENVID` values in xtext
/// (RFC 3461 §4). Unknown tokens are ignored, so either side may add some later.
///
/// | Token | Meaning |
/// |---|---|
/// | `SKIP=n` | the first n octets of the stored body are for local copies only (`Return-Path:`): send from offset n |
/// | `BODY=8BITMIME` / `BODY=7BIT` | the BODY= the message arrived with |
/// | `SMTPUTF8` | the message arrived with SMTPUTF8 |
/// | `AUTH=login` | the account that submitted it |
/// | `RET=FULL/HDRS`, `ENVID=x` | DSN parameters as the client gave them |
public struct QueueParameters: Sendable, Hashable {
  public var skip: Int
  public var body: MailParameters.BodyType?
  public var smtputf8: Bool
  public var submitter: String?
  public var ret: MailParameters.DSNReturn?
  public var envelopeID: String?

  public init(
    skip: Int = 0, body: MailParameters.BodyType? = nil, smtputf8: Bool = false,
    submitter: String? = nil, ret: MailParameters.DSNReturn? = nil, envelopeID: String? = nil
  ) {
    self.skip = skip
    self.body = body
    self.smtputf8 = smtputf8
    self.submitter = submitter
    self.ret = ret
    self.envelopeID = envelopeID
  }

  /// Reads the text of a queue entry; never fails (bad tokens are skipped).
  public init(decoding text: String) {
    self.init()
    for token in text.split(separator: " ") {
      let parts = token.split(separator: "=", maxSplits: 1)
      let value = parts.count > 1 ? String(parts[1]) : nil
      switch parts[0].uppercased() {
      case "SKIP": skip = value.flatMap { Int($0) }.map { max(0, $0) } ?? 0
      case "BODY": body = value.flatMap { MailParameters.BodyType(rawValue: $0.uppercased()) }
      case "SMTPUTF8": smtputf8 = true
      case "AUTH": submitter = value.flatMap(Self.decodeXText)
      case "RET": ret = value.flatMap { MailParameters.DSNReturn(rawValue: $0.uppercased()) }
      case "ENVID": envelopeID = value.flatMap(Self.decodeXText)
      default: break
      }
    }
  }

  /// The text form.
  public var encoded: String {
    var tokens: [String] = []
    if skip > 0 { tokens.append("SKIP=\(skip)") }
    if let body { tokens.append("BODY=\(body.rawValue)") }
    if smtputf8 { tokens.append("SMTPUTF8") }
    if let submitter { tokens.append("AUTH=" + Self.encodeXText(submitter)) }
    if let ret { tokens.append("RET=\(ret.rawValue)") }
    if let envelopeID { tokens.append("ENVID=" + Self.encodeXText(envelopeID)) }
    return tokens.joined(separator: " ")
  }

  /// RFC 3461 §4 xtext: `+XX` for `+`, `=`, controls, space and non-ASCII octets.
  static func encodeXText(_ text: String) -> String {
    var out = ""
    for b in text.utf8 {
      if b >= 33 && b <= 126 && b != UInt8(ascii: "+") && b != UInt8(ascii: "=") {
        out.unicodeScalars.append(Unicode.Scalar(b))
      } else {
        out += "+" + (b < 16 ? "0" : "") + String(b, radix: 16, uppercase: true)
      }
    }
    return out
  }

  static func decodeXText(_ text: String) -> String? {
    var out: [UInt8] = []
    var it = text.utf8.makeIterator()
    while let b = it.next() {
      guard b == UInt8(ascii: "+") else {
        out.append(b)
        continue
      }
      guard let h = it.next(), let l = it.next(),
        let v = UInt8(String(decoding: [h, l], as: UTF8.self), radix: 16)
      else { return nil }
      out.append(v)
    }
    return String(validating: out, as: UTF8.self)
  }
}
