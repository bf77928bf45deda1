/// A Content-Type (RFC 2045 §5): media type, subtype and parameters.
public struct ContentType: Sendable, Hashable, Codable {
  /// Top-level media type, lowercased ("text", "multipart"…).
  public var type: String
  /// Subtype, lowercased ("plain", "mixed"…).
  public var subtype: String
  /// Parameters in the order written, RFC 2231 continuations joined.
  public var parameters: [MIMEParameter]

  /// Creates a content type; `type` and `subtype` are lowercased.
  public init(type: String, subtype: String, parameters: [MIMEParameter] = []) {
    self.type = ASCII.lowercased(type)
    self.subtype = ASCII.lowercased(subtype)
    self.parameters = parameters
  }

  /// `text/plain; charset=us-ascii`, assumed when Content-Type is absent or invalid
  /// (RFC 2045 §5.2).
  public static let `default` = ContentType(
    type: "text", subtype: "plain",
    parameters: [MIMEParameter(name: "charset", value: "US-ASCII")])

  /// `message/rfc822`, the default inside multipart/digest (RFC 2046 §5.1.5).
  public static let digestDefault = ContentType(type: "message", subtype: "rfc822")

  /// The decoded value of the parameter `name` (case-insensitive).
  public func parameter(_ name: String) -> String? {
    parameters.first { ASCII.equalsIgnoringCase($0.name, name) }?.value
  }

  /// The charset parameter, if any.
  public var charset: String? { parameter("charset") }

  /// `type/subtype`.
  public var mimeType: String { type + "/" + subtype }

  /// multipart/*: the body is split by the boundary parameter.
  public var isMultipart: Bool { type == "multipart" }
  /// text/*: the body is text in ``charset``; IMAP reports its line count.
  public var isText: Bool { type == "text" }
  /// message/rfc822 or message/global (RFC 6532 §3.5): a whole message as the body.
  public var isEncapsulatedMessage: Bool {
    type == "message" && (subtype == "rfc822" || subtype == "global")
  }

  /// Parses a Content-Type field value; nil when it is not `type "/" subtype`.
  public static func parse<C: Collection<UInt8>>(_ value: C) -> ContentType? {
    Array(value).withUnsafeBytes { parse($0, 0..<$0.count)?.contentType }
  }

  /// The parsed type plus the exact boundary bytes, which the structure scanner matches.
  struct Parsed {
    var contentType: ContentType
    var boundary: [UInt8]?
  }

  // content := type "/" subtype *(";" parameter)   (RFC 2045 §5.1)
  static func parse(_ buf: UnsafeRawBufferPointer, _ range: Range<Int>) -> Parsed? {
    var lexer = StructuredLexer(buf, range, dialect: .mime)
    guard case .atom(let t) = lexer.nextSkippingComments(),
      lexer.nextSkippingComments() == .special(UInt8(ascii: "/")),
      case .atom(let s) = lexer.nextSkippingComments()
    else { return nil }
    let raws = ParameterParser.parseRaw(buf, lexer.position..<range.upperBound)
    let type = ContentType(
      type: String(decoding: buf[t], as: UTF8.self),
      subtype: String(decoding: buf[s], as: UTF8.self),
      parameters: ParameterParser.merge(raws))
    let boundary = raws.first { $0.name == Array("boundary".utf8) }?.value
    return Parsed(contentType: type, boundary: boundary)
  }
}

/// A Content-Disposition (RFC 2183): "inline" or "attachment" plus parameters.
public struct ContentDisposition: Sendable, Hashable, Codable {
  /// The disposition type, lowercased.
  public var type: String
  /// Parameters (filename, size, dates…), RFC 2231 continuations joined.
  public var parameters: [MIMEParameter]

  /// Creates a disposition; `type` is lowercased.
  public init(type: String, parameters: [MIMEParameter] = []) {
    self.type = ASCII.lowercased(type)
    self.parameters = parameters
  }

  /// The decoded filename parameter.
  public var filename: String? {
    parameters.first { $0.name == "filename" }?.value
  }

  /// Parses a Content-Disposition field value; nil when it has no type token.
  public static func parse<C: Collection<UInt8>>(_ value: C) -> ContentDisposition? {
    Array(value).withUnsafeBytes { parse($0, 0..<$0.count) }
  }

  // disposition := disposition-type *(";" disposition-parm)   (RFC 2183 §2)
  static func parse(_ buf: UnsafeRawBufferPointer, _ range: Range<Int>) -> ContentDisposition? {
    var lexer = StructuredLexer(buf, range, dialect: .mime)
    guard case .atom(let t) = lexer.nextSkippingComments() else { return nil }
    let raws = ParameterParser.parseRaw(buf, lexer.position..<range.upperBound)
    return ContentDisposition(
      type: String(decoding: buf[t], as: UTF8.self), parameters: ParameterParser.merge(raws))
  }
}
