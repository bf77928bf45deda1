/// Why a part's structure was not followed as declared.
public enum StructureIssue: String, Sendable, Hashable, Codable {
  /// A multipart without a usable boundary parameter; kept as a leaf.
  case missingBoundary
  /// A multipart whose body held no boundary line; its whole body became one text part.
  case noParts
  /// Nesting reached ``MIMELimits/maxDepth``; the container is kept as a leaf.
  case depthLimit
  /// ``MIMELimits/maxParts`` was reached; the rest of the message is not split further.
  case partLimit
  /// A message/rfc822 body in base64 or quoted-printable (RFC 2046 §5.2.1 forbids it); kept
  /// as a leaf because it cannot be parsed in place.
  case encodedMessage
}

/// One node of a message's MIME tree (RFC 2045–2049): its header, body and what the header
/// says about the body. The root node is the message itself.
///
/// Ranges are offsets into the message's ``ByteSource``; the node never holds body bytes.
public struct MIMEPart: Sendable, Hashable, Codable {
  /// What the body of a part contains.
  public indirect enum Content: Sendable, Hashable, Codable {
    /// A leaf: text, image, attachment…
    case single
    /// multipart/*: the parts between the boundaries.
    case multipart([MIMEPart])
    /// message/rfc822 or message/global: the encapsulated message, itself a node whose
    /// header is the inner message's header.
    case message(MIMEPart)
  }

  /// The header block: fields plus the empty line ending them, when present. For a part of a
  /// multipart this is the MIME header (`BODY[n.MIME]`).
  public var headerRange: Range<Int>
  /// The body, without the line break that belongs to the next boundary (RFC 2046 §5.1.1).
  public var bodyRange: Range<Int>
  /// Lines in the body: line feeds, plus one when the last line has none.
  public var bodyLines: Int
  /// The declared Content-Type, or the default when absent or invalid.
  public var contentType: ContentType
  /// Whether ``contentType`` is a default rather than what the header said.
  public var isContentTypeDefaulted: Bool
  /// Content-Transfer-Encoding; 7bit when absent.
  public var transferEncoding: TransferEncoding
  /// Content-ID, as written (unfolded, trimmed).
  public var contentID: String?
  /// Content-Description, as written.
  public var contentDescription: String?
  /// Content-MD5, as written.
  public var contentMD5: String?
  /// Content-Location, as written.
  public var contentLocation: String?
  /// Content-Language tags, in order.
  public var contentLanguage: [String]
  /// Content-Disposition, when present.
  public var disposition: ContentDisposition?
  /// The ENVELOPE fields, for a node that is a message: the root, and the node encapsulated
  /// by a message/rfc822 part.
  public var envelope: Envelope?
  /// Leaf, multipart children, or encapsulated message.
  public var content: Content
  /// Set when the part's structure was cut short or guessed.
  public var issue: StructureIssue?

  /// Size of the body in octets, as IMAP's body-fld-octets counts it (still encoded).
  public var bodyOctets: Int { bodyRange.count }

  /// The parts of a multipart, or nil.
  public var children: [MIMEPart]? {
    if case .multipart(let parts) = content { return parts }
    return nil
  }

  /// The message inside a message/rfc822 part, or nil.
  public var encapsulatedMessage: MIMEPart? {
    if case .message(let m) = content { return m }
    return nil
  }

  /// The leaves under this node (itself when it is one), depth first.
  public var leaves: [MIMEPart] {
    switch content {
    case .single: [self]
    case .multipart(let parts): parts.flatMap(\.leaves)
    case .message(let m): m.leaves
    }
  }
}

/// The MIME fields of one header block, parsed (RFC 2045 §5–8, RFC 2183, RFC 3282, RFC 2557).
struct PartFields {
  var contentType: ContentType
  var defaulted: Bool
  var boundary: [UInt8]?
  var transferEncoding: TransferEncoding
  var contentID: String?
  var contentDescription: String?
  var contentMD5: String?
  var contentLocation: String?
  var contentLanguage: [String]
  var disposition: ContentDisposition?

  init(_ buf: UnsafeRawBufferPointer, _ known: KnownFields, inDigest: Bool) {
    if let r = known[.contentType], let parsed = ContentType.parse(buf, r) {
      contentType = parsed.contentType
      boundary = parsed.boundary
      defaulted = false
    } else {
      contentType = inDigest ? .digestDefault : .default
      defaulted = true
    }
    var encoding: String?
    if let r = known[.contentTransferEncoding] {
      var lexer = StructuredLexer(buf, r, dialect: .mime)
      if case .atom(let t) = lexer.nextSkippingComments() {
        encoding = String(decoding: buf[t], as: UTF8.self)
      }
    }
    transferEncoding = TransferEncoding(token: encoding)
    func text(_ f: KnownField) -> String? {
      known[f].map { HeaderText.string(buf.unfolded($0)) }
    }
    contentID = text(.contentID)
    contentDescription = text(.contentDescription)
    contentMD5 = text(.contentMD5)
    // RFC 2557 §4.4.1: a folded Content-Location URL has its folding whitespace removed.
    contentLocation = text(.contentLocation).map { $0.filter { $0 != " " && $0 != "\t" } }
    var languages = [String]()
    if let r = known[.contentLanguage] {
      var lexer = StructuredLexer(buf, r, dialect: .mime)
      while languages.count < 64 {
        let t = lexer.nextSkippingComments()
        if t == .end { break }
        if case .atom(let a) = t { languages.append(HeaderText.string(buf[a])) }
      }
    }
    contentLanguage = languages
    disposition = known[.contentDisposition].flatMap { ContentDisposition.parse(buf, $0) }
  }
}
