/// Caps that keep a hostile message from costing more than a bounded amount of memory or time.
///
/// When a cap is reached parsing goes on, degraded: the part that would exceed it is kept as an
/// opaque leaf and marked with a ``StructureIssue``.
public struct MIMELimits: Sendable, Hashable, Codable {
  /// Containers (multipart or message/rfc822) nested inside each other.
  public var maxDepth: Int
  /// MIME parts in one message, counting every multipart child and encapsulated message.
  public var maxParts: Int
  /// Header fields recorded for one header block; later fields stay in the raw bytes only.
  public var maxHeaderFields: Int
  /// Addresses (mailboxes and groups) kept from one address-list field.
  public var maxAddresses: Int
  /// Longest multipart boundary accepted (RFC 2046 allows 70; some senders exceed it).
  public var maxBoundaryLength: Int

  /// Defaults: depth 100, 10,000 parts, 10,000 fields per header, 10,000 addresses per field,
  /// boundaries up to 200 bytes.
  public init(
    maxDepth: Int = 100, maxParts: Int = 10_000, maxHeaderFields: Int = 10_000,
    maxAddresses: Int = 10_000, maxBoundaryLength: Int = 200
  ) {
    self.maxDepth = maxDepth
    self.maxParts = maxParts
    self.maxHeaderFields = maxHeaderFields
    self.maxAddresses = maxAddresses
    self.maxBoundaryLength = maxBoundaryLength
  }
}

/// Work counters filled in by the parser, so tests can check that cost grows linearly with the
/// input without timing anything.
public struct ParseStats: Sendable, Hashable {
  /// Bytes visited by the line scanner (each byte of the message at most a small number of
  /// times).
  public var bytesExamined = 0
  /// Lines the scanner looked at one by one.
  public var linesExamined = 0
  /// Boundary candidates compared against the open boundaries.
  public var boundaryComparisons = 0
  /// Tree nodes built.
  public var nodesBuilt = 0
  /// Header fields recognised.
  public var headerFields = 0

  public init() {}
}
