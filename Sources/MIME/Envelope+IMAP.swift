// MARK: - Encoding

extension Envelope {
  /// The ENVELOPE data item (RFC 9051 §7.5.2):
  ///
  ///     envelope = "(" env-date SP env-subject SP env-from SP env-sender SP env-reply-to SP
  ///                env-to SP env-cc SP env-bcc SP env-in-reply-to SP env-message-id ")"
  ///
  /// Sender and Reply-To fall back to From when absent or empty, as the RFC requires.
  public var imapBytes: [UInt8] {
    var w = IMAPWriter()
    w.writeEnvelope(self)
    return w.out
  }
}

extension IMAPWriter {
  mutating func writeEnvelope(_ e: Envelope) {
    raw("(")
    nstring(e.date)
    raw(" ")
    nstring(e.subject)
    raw(" ")
    writeAddresses(e.from)
    raw(" ")
    writeAddresses(e.sender ?? e.from)
    raw(" ")
    writeAddresses(e.replyTo ?? e.from)
    raw(" ")
    writeAddresses(e.to)
    raw(" ")
    writeAddresses(e.cc)
    raw(" ")
    writeAddresses(e.bcc)
    raw(" ")
    nstring(e.inReplyTo)
    raw(" ")
    nstring(e.messageID)
    raw(")")
  }

  /// `"(" 1*address ")" / nil`. A group is a start marker whose host is NIL and whose mailbox
  /// is the group name, its members, and an end marker of four NILs (RFC 9051 §7.5.2).
  mutating func writeAddresses(_ list: [Address]?) {
    guard let list, !list.isEmpty else {
      nilValue()
      return
    }
    raw("(")
    for a in list {
      switch a {
      case .mailbox(let m):
        writeMailbox(m)
      case .group(let g):
        raw("(NIL NIL ")
        string(g.displayName)
        raw(" NIL)")
        for m in g.members { writeMailbox(m) }
        raw("(NIL NIL NIL NIL)")
      }
    }
    raw(")")
  }

  /// address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")". A mailbox without
  /// a domain gets an empty host, since NIL would make it a group marker.
  mutating func writeMailbox(_ m: Mailbox) {
    raw("(")
    nstring(m.displayName.flatMap { $0.isEmpty ? nil : $0 })
    raw(" ")
    nstring(m.route)
    raw(" ")
    string(m.localPart)
    raw(" ")
    string(m.domain ?? "")
    raw(")")
  }
}
