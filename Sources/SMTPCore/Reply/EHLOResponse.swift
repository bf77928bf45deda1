/// The EHLO reply: the server's name and its extensions (RFC 5321 §4.1.1.1).
///
/// The server builds one and sends `reply`; the client parses the reply it got with
/// `init(parsing:)` to learn what it may use. Keywords are case-insensitive; `AUTH=` lines of
/// old servers count as AUTH.
public struct EHLOResponse: Sendable, Hashable {
  /// The name on the first line (the host name the client connected to).
  public var domain: String
  /// Text after the name on the first line.
  public var greeting: String?
  /// PIPELINING (RFC 2920).
  public var pipelining: Bool
  /// SIZE (RFC 1870): nil when not offered, 0 when offered without a fixed limit.
  public var size: Int?
  /// 8BITMIME (RFC 6152).
  public var eightBitMIME: Bool
  /// SMTPUTF8 (RFC 6531).
  public var smtputf8: Bool
  /// ENHANCEDSTATUSCODES (RFC 2034).
  public var enhancedStatusCodes: Bool
  /// CHUNKING (RFC 3030).
  public var chunking: Bool
  /// BINARYMIME (RFC 3030).
  public var binaryMIME: Bool
  /// DSN (RFC 3461).
  public var dsn: Bool
  /// STARTTLS (RFC 3207): offered only before TLS.
  public var startTLS: Bool
  /// AUTH mechanisms in upper case (RFC 4954); empty when AUTH is not offered.
  public var authMechanisms: [String]
  /// Other extension lines as sent (`keyword params`), in order.
  public var otherExtensions: [String]

  public init(
    domain: String, greeting: String? = nil, pipelining: Bool = false, size: Int? = nil,
    eightBitMIME: Bool = false, smtputf8: Bool = false, enhancedStatusCodes: Bool = false,
    chunking: Bool = false, binaryMIME: Bool = false, dsn: Bool = false, startTLS: Bool = false,
    authMechanisms: [String] = [], otherExtensions: [String] = []
  ) {
    self.domain = domain
    self.greeting = greeting
    self.pipelining = pipelining
    self.size = size
    self.eightBitMIME = eightBitMIME
    self.smtputf8 = smtputf8
    self.enhancedStatusCodes = enhancedStatusCodes
    self.chunking = chunking
    self.binaryMIME = binaryMIME
    self.dsn = dsn
    self.startTLS = startTLS
    self.authMechanisms = authMechanisms
    self.otherExtensions = otherExtensions
  }

  /// The `250` reply, one extension per line (no enhanced code, RFC 2034 §3).
  public var reply: Reply {
    var lines = [greeting.map { "\(domain) \($0)" } ?? domain]
    if pipelining { lines.append("PIPELINING") }
    if let size { lines.append(size > 0 ? "SIZE \(size)" : "SIZE") }
    if startTLS { lines.append("STARTTLS") }
    if !authMechanisms.isEmpty { lines.append("AUTH " + authMechanisms.joined(separator: " ")) }
    if enhancedStatusCodes { lines.append("ENHANCEDSTATUSCODES") }
    if eightBitMIME { lines.append("8BITMIME") }
    if binaryMIME { lines.append("BINARYMIME") }
    if dsn { lines.append("DSN") }
    if smtputf8 { lines.append("SMTPUTF8") }
    if chunking { lines.append("CHUNKING") }
    lines += otherExtensions
    return Reply(code: 250, lines: lines)
  }

  /// Reads a server's EHLO reply.
  /// - Throws: `EHLOParseError.notPositive` for anything but 250.
  public init(parsing reply: Reply) throws(EHLOParseError) {
    guard reply.code == 250 else { throw .notPositive(reply) }
    let first = reply.lines.first ?? ""
    let head = first.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
    self.init(
      domain: head.first.map(String.init) ?? "",
      greeting: head.count > 1 ? String(head[1]) : nil)
    for line in reply.lines.dropFirst() {
      let words = line.split(separator: " ", omittingEmptySubsequences: true)
      guard let keyword = words.first?.uppercased() else { continue }
      let params = words.dropFirst().map(String.init)
      switch keyword {
      case "PIPELINING": pipelining = true
      case "SIZE": size = params.first.flatMap { Int($0) }.map { max(0, $0) } ?? 0
      case "8BITMIME": eightBitMIME = true
      case "SMTPUTF8": smtputf8 = true
      case "ENHANCEDSTATUSCODES": enhancedStatusCodes = true
      case "CHUNKING": chunking = true
      case "BINARYMIME": binaryMIME = true
      case "DSN": dsn = true
      case "STARTTLS": startTLS = true
      case "AUTH": addMechanisms(params)
      default:
        if keyword.hasPrefix("AUTH=") {
          addMechanisms([String(keyword.dropFirst(5))] + params)
        } else {
          otherExtensions.append(line)
        }
      }
    }
  }

  private mutating func addMechanisms(_ names: [String]) {
    for name in names.map({ $0.uppercased() }) where !name.isEmpty {
      if !authMechanisms.contains(name) { authMechanisms.append(name) }
    }
  }

  /// True when `mechanism` (any case) is offered.
  public func offersAuth(_ mechanism: String) -> Bool {
    authMechanisms.contains(mechanism.uppercased())
  }
}

/// Why an EHLO reply gave no capabilities.
public enum EHLOParseError: Error, Sendable, Hashable {
  /// The server refused EHLO; the client may fall back to HELO.
  case notPositive(Reply)
}
