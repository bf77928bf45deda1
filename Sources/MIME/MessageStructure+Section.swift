extension MessageStructure {
  /// The part addressed by IMAP part numbers (RFC 9051 §6.4.5).
  ///
  /// Part 1 of a message that is not multipart is the message itself; the numbers after a
  /// message/rfc822 part address the parts of the message it encapsulates. An empty path is
  /// the whole message. Nil when no such part exists.
  public func part(at path: [Int]) -> MIMEPart? {
    guard let first = path.first else { return root }
    var p = Self.part(ofMessage: root, first)
    for n in path.dropFirst() {
      guard let cur = p else { return nil }
      switch cur.content {
      case .multipart(let children):
        p = n >= 1 && n <= children.count ? children[n - 1] : nil
      case .message(let inner):
        p = Self.part(ofMessage: inner, n)
      case .single:
        return nil
      }
    }
    return p
  }

  private static func part(ofMessage m: MIMEPart, _ n: Int) -> MIMEPart? {
    if case .multipart(let children) = m.content {
      return n >= 1 && n <= children.count ? children[n - 1] : nil
    }
    return n == 1 ? m : nil
  }

  /// Resolves `BODY[spec]<partial>` against the message bytes in `source`.
  ///
  /// HEADER, TEXT and HEADER.FIELDS after a part number apply only to a message/rfc822 part;
  /// like a missing part, that gives nil, and the IMAP layer decides what to answer (usually
  /// an empty string).
  public func section(
    _ spec: SectionSpec, partial: SectionPartial? = nil, in source: some ByteSource,
    limits: MIMELimits = MIMELimits()
  ) -> SectionContent? {
    let content: SectionContent
    if spec.part.isEmpty {
      switch spec.text {
      case nil: content = .range(0..<size)
      case .mime: return nil
      default: content = messageText(spec.text!, of: root, in: source, limits: limits)
      }
    } else {
      guard let p = part(at: spec.part) else { return nil }
      switch spec.text {
      case nil: content = .range(p.bodyRange)
      case .mime: content = .range(p.headerRange)
      default:
        guard case .message(let inner) = p.content else { return nil }
        content = messageText(spec.text!, of: inner, in: source, limits: limits)
      }
    }
    guard let partial else { return content }
    switch content {
    case .range(let r):
      return .range(partial.apply(to: r))
    case .bytes(let b):
      return .bytes(Array(b[partial.apply(to: 0..<b.count)]))
    }
  }

  private func messageText(
    _ text: SectionSpec.Text, of message: MIMEPart, in source: some ByteSource,
    limits: MIMELimits
  ) -> SectionContent {
    switch text {
    case .header, .mime: return .range(message.headerRange)
    case .text: return .range(message.bodyRange)
    case .headerFields(let names):
      return .bytes(fields(of: message, names, keep: true, source, limits))
    case .headerFieldsNot(let names):
      return .bytes(fields(of: message, names, keep: false, source, limits))
    }
  }

  /// The matching (or, with `keep` false, the other) fields in order, exact bytes, then the
  /// blank line (RFC 9051 §6.4.5 includes it).
  private func fields(
    of message: MIMEPart, _ names: [String], keep: Bool, _ source: some ByteSource,
    _ limits: MIMELimits
  ) -> [UInt8] {
    let lowered = Set(names.map(ASCII.lowercased))
    return source.withBytes { buf in
      let range = message.headerRange.clamped(to: 0..<buf.count)
      let header = Header.parse(buf, range, limits: limits)
      var out = [UInt8]()
      for f in header.fields where lowered.contains(ASCII.lowercased(f.name)) == keep {
        out.append(contentsOf: buf[f.range])
        if buf[f.range.upperBound - 1] != ASCII.lf { out.append(contentsOf: [ASCII.cr, ASCII.lf]) }
      }
      out.append(contentsOf: [ASCII.cr, ASCII.lf])
      return out
    }
  }
}
