// MARK: - Encoding

extension MIMEPart {
  /// The BODY (`extended: false`) or BODYSTRUCTURE (`extended: true`) data item for this part
  /// and everything under it (RFC 9051 §7.5.2, same format as RFC 3501 §7.4.2).
  ///
  /// A container that could not be opened (see ``issue``) is shown as
  /// application/octet-stream, since the multipart and message/rfc822 forms need children.
  public func imapBody(extended: Bool) -> [UInt8] {
    var w = IMAPWriter()
    w.writeBody(self, extended: extended)
    return w.out
  }
}

extension MessageStructure {
  /// ENVELOPE of the message.
  public var imapEnvelope: [UInt8] { envelope.imapBytes }
  /// BODYSTRUCTURE of the message, with extension data.
  public var imapBodyStructure: [UInt8] { root.imapBody(extended: true) }
  /// BODY of the message: BODYSTRUCTURE without extension data.
  public var imapBody: [UInt8] { root.imapBody(extended: false) }
}

extension IMAPWriter {
  // body = "(" (body-type-1part / body-type-mpart) ")"
  mutating func writeBody(_ part: MIMEPart, extended: Bool) {
    raw("(")
    switch part.content {
    case .multipart(let children):
      // body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
      for child in children { writeBody(child, extended: extended) }
      raw(" ")
      string(part.contentType.subtype, uppercased: true)
      if extended {
        // body-ext-mpart = body-fld-param [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc]]]
        raw(" ")
        writeParameters(part.contentType.parameters)
        writeExtensionTail(part)
      }
    case .single, .message:
      writeOnePart(part, extended: extended)
    }
    raw(")")
  }

  // body-type-1part = (body-type-basic / body-type-msg / body-type-text) [SP body-ext-1part]
  private mutating func writeOnePart(_ part: MIMEPart, extended: Bool) {
    // Decide the form from the exact names written, so what a client reads always matches it.
    var typeName = Self.mediaName(part.contentType.type)
    var subtypeName = Self.mediaName(part.contentType.subtype)
    let isMessageForm: Bool
    if case .message = part.content {
      isMessageForm = true
    } else {
      isMessageForm = false
      // A container shown as a leaf: the multipart and message/rfc822 forms need children.
      let messageForm =
        typeName == "MESSAGE" && (subtypeName == "RFC822" || subtypeName == "GLOBAL")
      if typeName == "MULTIPART" || messageForm {
        typeName = "APPLICATION"
        subtypeName = "OCTET-STREAM"
      }
    }
    let type = part.contentType
    string(typeName)
    raw(" ")
    string(subtypeName)
    raw(" ")
    // body-fields = body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP
    //               body-fld-octets
    writeParameters(type.parameters)
    raw(" ")
    nstring(part.contentID)
    raw(" ")
    nstring(part.contentDescription)
    raw(" ")
    string(part.transferEncoding.imapName)
    raw(" ")
    number(part.bodyOctets)
    if isMessageForm, case .message(let inner) = part.content {
      // body-type-msg = media-message SP body-fields SP envelope SP body SP body-fld-lines
      raw(" ")
      writeEnvelope(inner.envelope ?? Envelope())
      raw(" ")
      writeBody(inner, extended: extended)
      raw(" ")
      number(part.bodyLines)
    } else if typeName == "TEXT" {
      // body-type-text = media-text SP body-fields SP body-fld-lines
      raw(" ")
      number(part.bodyLines)
    }
    if extended {
      // body-ext-1part = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc]]]
      raw(" ")
      nstring(part.contentMD5)
      writeExtensionTail(part)
    }
  }

  /// SP body-fld-dsp SP body-fld-lang SP body-fld-loc
  private mutating func writeExtensionTail(_ part: MIMEPart) {
    raw(" ")
    // body-fld-dsp = "(" string SP body-fld-param ")" / nil
    if let d = part.disposition {
      raw("(")
      string(d.type, uppercased: true)
      raw(" ")
      writeParameters(d.parameters)
      raw(")")
    } else {
      nilValue()
    }
    raw(" ")
    // body-fld-lang = nstring / "(" string *(SP string) ")"
    switch part.contentLanguage.count {
    case 0:
      nilValue()
    case 1:
      string(part.contentLanguage[0])
    default:
      raw("(")
      for (i, tag) in part.contentLanguage.enumerated() {
        if i > 0 { raw(" ") }
        string(tag)
      }
      raw(")")
    }
    raw(" ")
    nstring(part.contentLocation)
  }

  /// A media type or subtype as sent: uppercased, without the NUL bytes no IMAP string can hold.
  private static func mediaName(_ s: String) -> String {
    ASCII.uppercased(s.utf8.contains(0) ? s.filter { $0 != "\0" } : s)
  }

  // body-fld-param = "(" string SP string *(SP string SP string) ")" / nil
  private mutating func writeParameters(_ params: [MIMEParameter]) {
    guard !params.isEmpty else {
      nilValue()
      return
    }
    raw("(")
    for (i, p) in params.enumerated() {
      if i > 0 { raw(" ") }
      string(p.isExtended ? p.name + "*" : p.name, uppercased: true)
      raw(" ")
      string(p.rawValue)
    }
    raw(")")
  }
}
