/// The parameters of RCPT TO that Posta accepts: the DSN ones, `NOTIFY=` and `ORCPT=`
/// (RFC 3461 §4.1, §4.2). Others are refused with `555 5.5.4`.
public struct RcptParameters: Sendable, Hashable {
  /// NOTIFY= conditions; an empty set is `NOTIFY=NEVER`.
  public struct Notify: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let success = Notify(rawValue: 1)
    public static let failure = Notify(rawValue: 2)
    public static let delay = Notify(rawValue: 4)
    /// `NOTIFY=NEVER`.
    public static let never: Notify = []
  }

  /// ORCPT=: `addr-type ";" xtext`, decoded.
  public struct OriginalRecipient: Sendable, Hashable {
    /// The address type, e.g. `rfc822` or `utf-8`.
    public var addressType: String
    public var address: String
    public init(addressType: String, address: String) {
      self.addressType = addressType
      self.address = address
    }
  }

  public var notify: Notify?
  public var originalRecipient: OriginalRecipient?

  public init(notify: Notify? = nil, originalRecipient: OriginalRecipient? = nil) {
    self.notify = notify
    self.originalRecipient = originalRecipient
  }

  /// The parameters as written after the path, each with its leading space.
  public var encoded: String {
    var out = ""
    if let notify {
      var words: [String] = []
      if notify.contains(.success) { words.append("SUCCESS") }
      if notify.contains(.failure) { words.append("FAILURE") }
      if notify.contains(.delay) { words.append("DELAY") }
      out += " NOTIFY=" + (words.isEmpty ? "NEVER" : words.joined(separator: ","))
    }
    if let o = originalRecipient {
      out += " ORCPT=\(o.addressType);" + XText.encode(o.address)
    }
    return out
  }

  /// Reads `encoded` text back (leading spaces allowed): what the SMTP server keeps with a
  /// queued recipient for the outbound side. Nil when the text is not valid parameters.
  public init?(decoding text: String) {
    var scanner = ByteScanner(Array(text.utf8))
    _ = scanner.takeSpaces()
    guard let parsed = try? Self.parse(&scanner) else { return nil }
    self = parsed
  }

  static func parse(_ scanner: inout ByteScanner) throws(CommandError) -> RcptParameters {
    var p = RcptParameters()
    for param in try ESMTPParameter.parseUniqueList(&scanner) {
      let bad = param.invalidValue
      switch param.keyword {
      case "NOTIFY":
        // notify-esmtp-value = "NEVER" / 1#notify-list-element
        guard let v = param.upperValue else { throw bad }
        if v == "NEVER" {
          p.notify = .never
          break
        }
        var set: Notify = []
        for word in v.split(separator: ",", omittingEmptySubsequences: false) {
          switch word {
          case "SUCCESS": set.insert(.success)
          case "FAILURE": set.insert(.failure)
          case "DELAY": set.insert(.delay)
          default: throw bad
          }
        }
        p.notify = set
      case "ORCPT":
        // orcpt-parameter = "ORCPT=" original-recipient-address, at most 500 characters
        guard let v = param.value, v.count <= 500, let semi = v.firstIndex(of: ASCII.semicolon)
        else { throw bad }
        let type = v[v.startIndex..<semi]
        guard !type.isEmpty, type.allSatisfy({ ASCII.isAText($0) }),
          let address = XText.decode(v[(semi + 1)...]), !address.isEmpty
        else { throw bad }
        p.originalRecipient = OriginalRecipient(
          addressType: ASCII.lossyString(type), address: address)
      default:
        throw .unknownParameter(param.keyword)
      }
    }
    return p
  }
}
