/// The parameters of MAIL FROM that Posta understands.
///
/// | keyword | RFC | meaning |
/// |---|---|---|
/// | `SIZE=n` | 1870 | declared message size in octets |
/// | `BODY=7BIT/8BITMIME/BINARYMIME` | 6152, 3030 | body type |
/// | `SMTPUTF8` | 6531 | UTF-8 addresses and headers in this transaction |
/// | `AUTH=xtext` or `AUTH=<>` | 4954 §5 | the original submitter |
/// | `RET=FULL/HDRS`, `ENVID=xtext` | 3461 | DSN return and envelope id |
///
/// Any other keyword is refused with `555 5.5.4`; a keyword twice or a bad value with
/// `501 5.5.4`.
public struct MailParameters: Sendable, Hashable {
  /// The BODY= values (RFC 6152 §2, RFC 3030 §3).
  public enum BodyType: String, Sendable, Hashable, CaseIterable {
    case sevenBit = "7BIT"
    case eightBitMIME = "8BITMIME"
    case binaryMIME = "BINARYMIME"
  }

  /// The RET= values (RFC 3461 §4.3).
  public enum DSNReturn: String, Sendable, Hashable, CaseIterable {
    case full = "FULL"
    case headers = "HDRS"
  }

  /// SIZE=: the declared size; values beyond `Int.max` saturate.
  public var size: Int?
  public var body: BodyType?
  public var smtputf8: Bool
  /// AUTH=: the decoded submitter, `<>` when the client does not know it.
  public var auth: String?
  public var ret: DSNReturn?
  /// ENVID=: the decoded envelope identifier.
  public var envelopeID: String?

  public init(
    size: Int? = nil, body: BodyType? = nil, smtputf8: Bool = false, auth: String? = nil,
    ret: DSNReturn? = nil, envelopeID: String? = nil
  ) {
    self.size = size
    self.body = body
    self.smtputf8 = smtputf8
    self.auth = auth
    self.ret = ret
    self.envelopeID = envelopeID
  }

  /// The parameters as written after the path, each with its leading space.
  public var encoded: String {
    var out = ""
    if let size { out += " SIZE=\(size)" }
    if let body { out += " BODY=\(body.rawValue)" }
    if smtputf8 { out += " SMTPUTF8" }
    if let auth { out += " AUTH=" + (auth == "<>" ? "<>" : XText.encode(auth)) }
    if let ret { out += " RET=\(ret.rawValue)" }
    if let envelopeID { out += " ENVID=" + XText.encode(envelopeID) }
    return out
  }

  static func parse(_ scanner: inout ByteScanner) throws(CommandError) -> MailParameters {
    var p = MailParameters()
    for param in try ESMTPParameter.parseUniqueList(&scanner) {
      let bad = param.invalidValue
      switch param.keyword {
      case "SIZE":
        // RFC 1870 §3: size-value = 1*20DIGIT
        guard let v = param.value, (1...20).contains(v.count), v.allSatisfy(ASCII.isDigit) else {
          throw bad
        }
        p.size = v.reduce(0) { acc, d in
          let (m, o1) = acc.multipliedReportingOverflow(by: 10)
          let (s, o2) = m.addingReportingOverflow(Int(d - 0x30))
          return o1 || o2 ? Int.max : s
        }
      case "BODY":
        guard let v = param.upperValue, let body = BodyType(rawValue: v) else { throw bad }
        p.body = body
      case "SMTPUTF8":
        guard param.value == nil else { throw bad }
        p.smtputf8 = true
      case "AUTH":
        guard let v = param.value else { throw bad }
        if Array(v) == [ASCII.less, ASCII.greater] {
          p.auth = "<>"
        } else {
          guard let decoded = XText.decode(v), !decoded.isEmpty else { throw bad }
          p.auth = decoded
        }
      case "RET":
        guard let v = param.upperValue, let ret = DSNReturn(rawValue: v) else { throw bad }
        p.ret = ret
      case "ENVID":
        // RFC 3461 §4.4: at most 100 characters.
        guard let v = param.value, v.count <= 100, let decoded = XText.decode(v) else { throw bad }
        p.envelopeID = decoded
      default:
        throw .unknownParameter(param.keyword)
      }
    }
    return p
  }
}
