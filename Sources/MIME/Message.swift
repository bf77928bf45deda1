/// A message's bytes together with its parsed structure: the convenient handle for code that
/// has the bytes at hand (SMTP during DATA, IMAP at delivery or FETCH).
public struct Message<Source: ByteSource> {
  /// The message bytes.
  public let source: Source
  /// The parsed tree, offsets into ``source``.
  public let structure: MessageStructure

  /// Parses `source`.
  public init(_ source: Source, limits: MIMELimits = MIMELimits()) {
    self.source = source
    self.structure = MessageStructure.parse(source, limits: limits)
  }

  /// Pairs `source` with a structure parsed earlier (for example cached at delivery).
  public init(_ source: Source, structure: MessageStructure) {
    self.source = source
    self.structure = structure
  }

  /// The top-level header with every field's exact byte range.
  public func header(limits: MIMELimits = MIMELimits()) -> Header {
    Header.parse(source, in: structure.root.headerRange, limits: limits)
  }

  /// Offset of the first body byte (the header/body boundary).
  public var bodyStart: Int { structure.root.bodyRange.lowerBound }

  /// The envelope.
  public var envelope: Envelope { structure.envelope }

  /// `BODY[spec]<partial>`.
  public func section(_ spec: SectionSpec, partial: SectionPartial? = nil) -> SectionContent? {
    structure.section(spec, partial: partial, in: source)
  }

  /// Decoded text for SEARCH.
  public func searchText(maxBodyBytes: Int = 16 * 1024 * 1024) -> SearchText {
    structure.searchText(in: source, maxBodyBytes: maxBodyBytes)
  }

  /// The decoded body of a leaf part: transfer encoding undone, bytes still in the part's
  /// charset.
  public func decodedBody(of part: MIMEPart) -> [UInt8] {
    source.withBytes { part.transferEncoding.decode($0[part.bodyRange.clamped(to: 0..<$0.count)]) }
  }

  /// The body of a text part as a string, converted from its charset.
  public func text(of part: MIMEPart) -> String {
    Charset.decode(decodedBody(of: part), charset: part.contentType.charset ?? "us-ascii")
  }
}

extension Message: Sendable where Source: Sendable {}
