/// What the SMTP server tells the outbound module (Delivery) about a queued message, kept in the
/// queue entry's opaque `OutboundEnvelope.params`: space-separated tokens, each `KEY` or
/// `KEY=value` (values without spaces; `AUTH` and `ENVID` in xtext as on the wire).
///
/// | Token | Meaning |
/// |---|---|
/// | `SKIP=n` | send the stored body from offset n: the first n octets are headers for local delivery only (`Return-Path:`) |
/// | `BODY=8BITMIME` / `BODY=7BIT` | the client's BODY= (absent: not declared) |
/// | `SMTPUTF8` | the transaction used SMTPUTF8 |
/// | `AUTH=login` | the account that submitted it (absent on the MX port) |
/// | `RET=FULL/HDRS`, `ENVID=x` | DSN parameters as the client gave them |
///
/// Unknown tokens are ignored when decoding, so either side can add some later.
public struct OutboundParameters: Sendable, Hashable {
  /// Octets at the start of the stored body not to send (local-delivery headers).
  public var skip: Int
  public var body: MailParameters.BodyType?
  public var smtputf8: Bool
  /// The authenticated submitter.
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

  /// The text for `OutboundEnvelope.params`.
  public var encoded: String {
    var tokens: [String] = []
    if skip > 0 { tokens.append("SKIP=\(skip)") }
    if let body { tokens.append("BODY=\(body.rawValue)") }
    if smtputf8 { tokens.append("SMTPUTF8") }
    if let submitter { tokens.append("AUTH=" + XText.encode(submitter)) }
    if let ret { tokens.append("RET=\(ret.rawValue)") }
    if let envelopeID { tokens.append("ENVID=" + XText.encode(envelopeID)) }
    return tokens.joined(separator: " ")
  }

  /// Reads `encoded` text back.
  public init(decoding text: String) {
    self.init()
    for token in text.split(separator: " ") {
      let parts = token.split(separator: "=", maxSplits: 1)
      let key = parts[0].uppercased()
      let value = parts.count > 1 ? String(parts[1]) : nil
      switch key {
      case "SKIP": skip = value.flatMap { Int($0) }.map { max(0, $0) } ?? 0
      case "BODY": body = value.flatMap { MailParameters.BodyType(rawValue: $0.uppercased()) }
      case "SMTPUTF8": smtputf8 = true
      case "AUTH": submitter = value.flatMap { XText.decode($0.utf8) }
      case "RET": ret = value.flatMap { MailParameters.DSNReturn(rawValue: $0.uppercased()) }
      case "ENVID": envelopeID = value.flatMap { XText.decode($0.utf8) }
      default: break
      }
    }
  }
}
