/// One header field, located by offsets into the message.
///
/// `range` covers the exact bytes as received (name, colon, value, folding and the final line
/// break), which is what DKIM canonicalisation (RFC 6376 §3.4) and `BODY[HEADER.FIELDS]` need.
public struct HeaderField: Sendable, Hashable, Codable {
  /// The field name as written (without the colon or any whitespace before it).
  public var name: String
  /// The whole field, including the line break that ends its last line.
  public var range: Range<Int>
  /// The value: after the colon up to, not including, the final line break.
  public var valueRange: Range<Int>

  /// Creates a field from its offsets.
  public init(name: String, range: Range<Int>, valueRange: Range<Int>) {
    self.name = name
    self.range = range
    self.valueRange = valueRange
  }

  /// Whether the field is called `name`, compared case-insensitively (RFC 5322 §1.2.2).
  public func isNamed(_ name: String) -> Bool {
    ASCII.equalsIgnoringCase(self.name, name)
  }

  /// The exact bytes of the field.
  public func rawBytes(in source: some ByteSource) -> [UInt8] {
    source.bytes(in: range)
  }

  /// The value unfolded (line breaks removed) and trimmed; encoded words are kept as written.
  public func unfoldedValue(in source: some ByteSource) -> String {
    source.withBytes { HeaderText.string($0.unfolded(valueRange.clamped(to: 0..<$0.count))) }
  }

  /// The value unfolded, with RFC 2047 encoded words decoded to text.
  public func decodedValue(in source: some ByteSource) -> String {
    source.withBytes { EncodedWords.decode($0.unfolded(valueRange.clamped(to: 0..<$0.count))) }
  }
}
