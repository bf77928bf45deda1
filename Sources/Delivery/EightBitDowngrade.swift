import Crypto
import MIME

/// Turns a message with 8-bit body content into 7-bit data for a server that does not offer
/// 8BITMIME (RFC 6152 §3: a client must not send 8-bit data to such a server; converting
/// it is the recommended way out).
///
/// What changes, and only where the body has octets above 127:
/// - a text part (or one without a Content-Type) becomes quoted-printable, its line breaks
///   kept as line breaks; any other leaf becomes base64;
/// - a quoted-printable part with raw 8-bit octets is decoded (leniently, as readers do) and
///   encoded again; a base64 part loses the stray 8-bit octets, which decoders skip anyway
///   (RFC 2045 §6.8);
/// - multipart and message/rfc822 parts are converted part by part, their boundaries and
///   structure kept, and a `Content-Transfer-Encoding: 8bit/binary` on them becomes 7bit
///   (RFC 2045 §6.4 allows nothing else on composite types); message/global, whose header
///   may be UTF-8, is base64-encoded whole (RFC 6532 §3.5);
/// - a message without MIME-Version gets `MIME-Version: 1.0` (and, without a Content-Type,
///   `text/plain` with charset utf-8 or unknown-8bit, RFC 1428) so its new encoding means
///   something;
/// - 8-bit octets in a preamble or epilogue, which no reader shows, become `?`.
/// Header fields are left as they are: 8-bit header text is the concern of SMTPUTF8.
///
/// A DKIM signature made at submission covers the body as it was, so it no longer verifies
/// after a conversion; signing again here is not possible (the key belongs to the sender's
/// domain and the signature was made before queueing). Postfix makes the same trade: it
/// offers 8BITMIME on submission and converts only for the rare 7-bit next hop.
public enum EightBitDowngrade {
  /// Why a message could not be made 7-bit.
  public enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
    /// A part with 8-bit octets in an encoding Posta cannot re-encode (x-uuencode…).
    case unknownEncoding(String)
    /// 8-bit octets in a container the parser did not split (nesting or part limits, a
    /// multipart without a boundary).
    case tooComplex(String)

    public var description: String {
      switch self {
      case .unknownEncoding(let name):
        "a part in the \(name) encoding holds 8-bit data that cannot be converted"
      case .tooComplex(let type):
        "a \(type) part that cannot be split into its parts (too deep, too many parts, or no boundary) holds 8-bit data"
      }
    }
  }

  /// `text` in quoted-printable (RFC 2045 §6.7) with its CRLF line breaks kept as line
  /// breaks; encoded lines stay within 76 characters by soft line breaks, whitespace at a
  /// line end and any bare CR or LF are escaped.
  public static func quotedPrintable(_ text: some Collection<UInt8>) -> [UInt8] {
    QuotedPrintable.encodeText(text)
  }

  /// Whether `bytes` has any octet above 127.
  public static func hasEightBit(_ bytes: some Collection<UInt8>) -> Bool {
    bytes.contains { $0 >= 0x80 }
  }

  /// `message` with its 8-bit body content re-encoded as 7-bit; unchanged when only the
  /// header (or nothing) has 8-bit octets.
  public static func convert(_ message: [UInt8]) throws(Failure) -> [UInt8] {
    let structure = MessageStructure.parse(message)
    var converter = Converter(bytes: message)
    try converter.emit(structure.root, isMessage: true)
    converter.copy(structure.root.bodyRange.upperBound..<message.count)
    return converter.out
  }

  private struct Converter {
    let bytes: [UInt8]
    var out: [UInt8] = []

    init(bytes: [UInt8]) {
      self.bytes = bytes
      out.reserveCapacity(bytes.count + bytes.count / 8)
    }

    mutating func copy(_ range: Range<Int>) {
      let r = range.clamped(to: 0..<bytes.count)
      out += bytes[r]
    }

    /// Copies `range` with 8-bit octets replaced by `?` (text no reader shows).
    mutating func copySanitized(_ range: Range<Int>) {
      let r = range.clamped(to: 0..<bytes.count)
      out += bytes[r].map { $0 >= 0x80 ? UInt8(ascii: "?") : $0 }
    }

    /// Writes `part` (header and body) in 7-bit form. `isMessage`: the part is a whole
    /// message (the root, or the one inside a message/rfc822 part).
    mutating func emit(_ part: MIMEPart, isMessage: Bool) throws(Failure) {
      let body = part.bodyRange.clamped(to: 0..<bytes.count)
      guard hasEightBit(bytes[body]) else {
        copy(part.headerRange.lowerBound..<body.upperBound)
        return
      }
      let type = part.contentType
      switch part.content {
      case .multipart(let children):
        writeHeader(part, encoding: composite(part), isMessage: isMessage, addType: nil)
        copy(part.headerRange.upperBound..<body.lowerBound)
        var cursor = body.lowerBound
        for child in children {
          copySanitized(cursor..<max(cursor, child.headerRange.lowerBound))
          try emit(child, isMessage: false)
          cursor = max(cursor, child.bodyRange.upperBound)
        }
        copySanitized(cursor..<max(cursor, body.upperBound))
      case .message(let inner) where type.subtype != "global":
        writeHeader(part, encoding: composite(part), isMessage: isMessage, addType: nil)
        copy(part.headerRange.upperBound..<body.lowerBound)
        copySanitized(body.lowerBound..<max(body.lowerBound, inner.headerRange.lowerBound))
        try emit(inner, isMessage: true)
        copySanitized(max(body.lowerBound, inner.bodyRange.upperBound)..<body.upperBound)
      case .message, .single:
        try emitLeaf(part, body: body, isMessage: isMessage)
      }
    }

    /// 7bit for a composite part declared 8bit or binary; nil leaves the header alone.
    private func composite(_ part: MIMEPart) -> String? {
      switch part.transferEncoding {
      case .eightBit, .binary: "7bit"
      default: nil
      }
    }

    private mutating func emitLeaf(_ part: MIMEPart, body: Range<Int>, isMessage: Bool)
      throws(Failure)
    {
      let type = part.contentType
      if type.isMultipart || (type.isEncapsulatedMessage && type.subtype != "global") {
        // A container the parser kept whole (its limits): re-encoding it as a leaf would
        // hide its parts from every reader.
        if part.transferEncoding.isIdentity { throw .tooComplex(type.mimeType) }
      }
      let content = bytes[body]
      let encoded: [UInt8]
      let name: String
      switch part.transferEncoding {
      case .base64:
        // RFC 2045 §6.8: octets outside the alphabet are ignored by decoders.
        encoded = content.filter { $0 < 0x80 }
        name = "base64"
      case .quotedPrintable:
        encoded = QuotedPrintable.encodeText(TransferEncoding.quotedPrintable.decode(content))
        name = "quoted-printable"
      case .other(let token):
        throw .unknownEncoding(token)
      case .sevenBit, .eightBit, .binary:
        if type.isText {
          encoded = QuotedPrintable.encodeText(content)
          name = "quoted-printable"
        } else {
          encoded =
            Array(Base64.encode(content, lineLength: 76).utf8)
            + (isMessage && content.suffix(2) == [13, 10] ? [13, 10] : [])
          name = "base64"
        }
      }
      var addType: String?
      if isMessage && part.isContentTypeDefaulted {
        let utf8 = String(validating: Array(content), as: UTF8.self) != nil
        addType = "text/plain; charset=" + (utf8 ? "utf-8" : "unknown-8bit")
      }
      writeHeader(part, encoding: name, isMessage: isMessage, addType: addType)
      copy(part.headerRange.upperBound..<body.lowerBound)
      out += encoded
    }

    /// The part's header with its Content-Transfer-Encoding set to `encoding` (nil: as it
    /// is); a message without MIME-Version gets one, and `addType` as its Content-Type.
    private mutating func writeHeader(
      _ part: MIMEPart, encoding: String?, isMessage: Bool, addType: String?
    ) {
      let range = part.headerRange.clamped(to: 0..<bytes.count)
      guard encoding != nil || addType != nil || isMessage else {
        copy(range)
        return
      }
      let header = Header.parse(bytes, in: range)
      var added: [UInt8] = []
      if isMessage && header.first(named: "MIME-Version") == nil {
        added += Array("MIME-Version: 1.0\r\n".utf8)
      }
      if let addType { added += Array("Content-Type: \(addType)\r\n".utf8) }
      if let encoding { added += Array("Content-Transfer-Encoding: \(encoding)\r\n".utf8) }
      var cursor = range.lowerBound
      for field in header.fields where encoding != nil && field.isNamed("Content-Transfer-Encoding")
      {
        copy(cursor..<field.range.lowerBound)
        cursor = field.range.upperBound
      }
      // New fields go after the last field, before the empty line.
      let insertAt = max(cursor, header.fields.last?.range.upperBound ?? range.lowerBound)
      copy(cursor..<insertAt)
      out += added
      copy(insertAt..<range.upperBound)
    }
  }
}

/// Quoted-printable encoding of text (RFC 2045 §6.7).
enum QuotedPrintable {
  /// See `EightBitDowngrade.quotedPrintable`: whitespace at a line end is escaped because
  /// transport may strip it (RFC 2045 §6.7 rule 3).
  static func encodeText(_ text: some Collection<UInt8>) -> [UInt8] {
    let bytes = Array(text)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count + bytes.count / 4)
    let hex = Array("0123456789ABCDEF".utf8)
    var lineLength = 0
    var i = 0
    let n = bytes.count
    while i < n {
      let c = bytes[i]
      if c == 13 && i + 1 < n && bytes[i + 1] == 10 {
        out += [13, 10]
        lineLength = 0
        i += 2
        continue
      }
      let atLineEnd = i + 1 == n || (bytes[i + 1] == 13 && i + 2 < n && bytes[i + 2] == 10)
      let literal =
        (c >= 33 && c <= 126 && c != UInt8(ascii: "=")) || ((c == 32 || c == 9) && !atLineEnd)
      let token: [UInt8] = literal ? [c] : [UInt8(ascii: "="), hex[Int(c >> 4)], hex[Int(c & 15)]]
      // Room for the token and, unless the line ends here, a soft break's "=".
      if lineLength + token.count > (atLineEnd ? 76 : 75) {
        out += [UInt8(ascii: "="), 13, 10]
        lineLength = 0
      }
      out += token
      lineLength += token.count
      i += 1
    }
    return out
  }
}
