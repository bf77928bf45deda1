/// Header fields the structure and envelope need, found while scanning a header block.
enum KnownField: Int, CaseIterable {
  case contentType, contentTransferEncoding, contentDisposition, contentID, contentDescription
  case contentMD5, contentLanguage, contentLocation
  case date, subject, from, sender, replyTo, to, cc, bcc, inReplyTo, messageID

  /// Identifies a field name (case-insensitive) without building a string.
  static func classify(_ buf: UnsafeRawBufferPointer, _ name: Range<Int>) -> KnownField? {
    switch name.count {
    case 2:
      if buf.equalsLowercase(name, "to") { return .to }
      if buf.equalsLowercase(name, "cc") { return .cc }
    case 3: if buf.equalsLowercase(name, "bcc") { return .bcc }
    case 4:
      if buf.equalsLowercase(name, "date") { return .date }
      if buf.equalsLowercase(name, "from") { return .from }
    case 6: if buf.equalsLowercase(name, "sender") { return .sender }
    case 7: if buf.equalsLowercase(name, "subject") { return .subject }
    case 8: if buf.equalsLowercase(name, "reply-to") { return .replyTo }
    case 10:
      if buf.equalsLowercase(name, "content-id") { return .contentID }
      if buf.equalsLowercase(name, "message-id") { return .messageID }
    case 11:
      if buf.equalsLowercase(name, "content-md5") { return .contentMD5 }
      if buf.equalsLowercase(name, "in-reply-to") { return .inReplyTo }
    case 12: if buf.equalsLowercase(name, "content-type") { return .contentType }
    case 16:
      if buf.equalsLowercase(name, "content-language") { return .contentLanguage }
      if buf.equalsLowercase(name, "content-location") { return .contentLocation }
    case 19:
      if buf.equalsLowercase(name, "content-description") { return .contentDescription }
      if buf.equalsLowercase(name, "content-disposition") { return .contentDisposition }
    case 25:
      if buf.equalsLowercase(name, "content-transfer-encoding") { return .contentTransferEncoding }
    default: break
    }
    return nil
  }
}

/// Value ranges of the first occurrence of each known field in one header block.
struct KnownFields {
  private var values = [Range<Int>?](repeating: nil, count: KnownField.allCases.count)

  subscript(_ field: KnownField) -> Range<Int>? {
    values[field.rawValue]
  }

  /// Records a field; later duplicates are ignored (the first one wins, as for ENVELOPE).
  mutating func record(_ buf: UnsafeRawBufferPointer, _ span: FieldSpan) {
    guard let f = KnownField.classify(buf, span.nameRange), values[f.rawValue] == nil else {
      return
    }
    values[f.rawValue] = span.valueRange
  }
}
