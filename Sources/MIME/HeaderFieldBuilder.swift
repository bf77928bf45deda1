/// Builds header fields to add to a message (Received, Message-ID, Date, DSN headers…).
public enum HeaderFieldBuilder {
  /// `Name: value` CRLF, folded at whitespace so lines stay within `lineLength` columns
  /// (RFC 5322 §2.1.1 recommends 78). Runs of whitespace become one space, and CR or LF in
  /// `value` become spaces so no caller can inject a field. A word longer than a line stays
  /// whole on its own line.
  public static func field(name: String, value: String, lineLength: Int = 78) -> [UInt8] {
    var out = Array(name.utf8)
    out.append(ASCII.colon)
    var column = out.count
    let words = value.utf8.split(whereSeparator: { ASCII.isWhitespace($0) })
    var first = true
    for w in words {
      if !first && column + 1 + w.count > lineLength {
        out.append(contentsOf: [ASCII.cr, ASCII.lf])
        column = 0
      }
      out.append(ASCII.space)
      out.append(contentsOf: w)
      column += 1 + w.count
      first = false
    }
    out.append(contentsOf: [ASCII.cr, ASCII.lf])
    return out
  }

  /// Like ``field(name:value:lineLength:)`` for an unstructured value (Subject, Comments):
  /// text that is not printable ASCII is RFC 2047 encoded first.
  public static func unstructuredField(name: String, text: String, lineLength: Int = 78)
    -> [UInt8]
  {
    field(name: name, value: EncodedWords.encode(text), lineLength: lineLength)
  }
}
