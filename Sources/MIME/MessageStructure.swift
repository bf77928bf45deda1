/// A parsed message: its MIME tree and envelope, as offsets into the message bytes.
///
/// This is what the store caches at delivery (it is `Codable`): IMAP's ENVELOPE and
/// BODYSTRUCTURE are rendered from it without the message, and sections are resolved from it
/// plus the message bytes.
public struct MessageStructure: Sendable, Hashable, Codable {
  /// Size of the message in octets (RFC822.SIZE).
  public var size: Int
  /// The message itself as the root node.
  public var root: MIMEPart

  /// The envelope of the message.
  public var envelope: Envelope { root.envelope ?? Envelope() }

  /// Parses `source`. Never fails: malformed input gives a best-effort tree.
  public static func parse(_ source: some ByteSource, limits: MIMELimits = MIMELimits())
    -> MessageStructure
  {
    var stats = ParseStats()
    return parse(source, limits: limits, stats: &stats)
  }

  /// Parses `source`, adding the work done to `stats`.
  public static func parse(
    _ source: some ByteSource, limits: MIMELimits = MIMELimits(), stats: inout ParseStats
  ) -> MessageStructure {
    let (structure, s) = source.withBytes { buf in
      var scanner = StructureScanner(buf, limits: limits)
      let root = scanner.run()
      return (MessageStructure(size: buf.count, root: root), scanner.stats)
    }
    stats.bytesExamined += s.bytesExamined
    stats.linesExamined += s.linesExamined
    stats.boundaryComparisons += s.boundaryComparisons
    stats.nodesBuilt += s.nodesBuilt
    stats.headerFields += s.headerFields
    return structure
  }
}
