/// The header fields IMAP's ENVELOPE reports (RFC 9051 §7.5.2), parsed.
///
/// Text fields are unfolded and trimmed but otherwise raw, encoded words included, as the
/// ENVELOPE grammar expects. An address list is nil when its field is absent or holds no
/// address.
public struct Envelope: Sendable, Hashable, Codable {
  public var date: String?
  public var subject: String?
  public var from: [Address]?
  public var sender: [Address]?
  public var replyTo: [Address]?
  public var to: [Address]?
  public var cc: [Address]?
  public var bcc: [Address]?
  public var inReplyTo: String?
  public var messageID: String?

  /// Creates an envelope.
  public init(
    date: String? = nil, subject: String? = nil, from: [Address]? = nil,
    sender: [Address]? = nil, replyTo: [Address]? = nil, to: [Address]? = nil,
    cc: [Address]? = nil, bcc: [Address]? = nil, inReplyTo: String? = nil,
    messageID: String? = nil
  ) {
    self.date = date
    self.subject = subject
    self.from = from
    self.sender = sender
    self.replyTo = replyTo
    self.to = to
    self.cc = cc
    self.bcc = bcc
    self.inReplyTo = inReplyTo
    self.messageID = messageID
  }

  /// The Date field parsed, when it is readable.
  public var parsedDate: MessageDate? {
    date.flatMap { MessageDate.parse(Array($0.utf8)) }
  }

  /// The Subject with encoded words decoded.
  public var decodedSubject: String? {
    subject.map { EncodedWords.decode(Array($0.utf8)) }
  }

  /// Reads the envelope of the header in `range`.
  public static func parse(
    _ source: some ByteSource, header range: Range<Int>, limits: MIMELimits = MIMELimits()
  ) -> Envelope {
    source.withBytes { buf in
      let header = Header.parse(buf, range.clamped(to: 0..<buf.count), limits: limits)
      var known = KnownFields()
      for f in header.fields {
        let nameEnd = f.range.lowerBound + f.name.utf8.count
        known.record(
          buf,
          FieldSpan(
            start: f.range.lowerBound, nameEnd: nameEnd, valueStart: f.valueRange.lowerBound,
            valueEnd: f.valueRange.upperBound, end: f.range.upperBound))
      }
      return Envelope(buf, known, limits: limits)
    }
  }

  init(_ buf: UnsafeRawBufferPointer, _ known: KnownFields, limits: MIMELimits) {
    func text(_ f: KnownField) -> String? {
      known[f].map { HeaderText.string(buf.unfolded($0)) }
    }
    func addresses(_ f: KnownField) -> [Address]? {
      guard let r = known[f] else { return nil }
      let list = AddressParser.parse(buf, r, maxAddresses: limits.maxAddresses)
      return list.isEmpty ? nil : list
    }
    self.init(
      date: text(.date), subject: text(.subject), from: addresses(.from),
      sender: addresses(.sender), replyTo: addresses(.replyTo), to: addresses(.to),
      cc: addresses(.cc), bcc: addresses(.bcc), inReplyTo: text(.inReplyTo),
      messageID: text(.messageID))
  }
}
