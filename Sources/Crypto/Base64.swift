/// Base64 (RFC 4648 §4) with strict decoding.
///
/// Foundation's decoder is lenient in ways SASL must not be (RFC 4422 §3.7: reject
/// invalid encodings); this one rejects any character outside the alphabet, missing
/// or misplaced padding, and non-zero pad bits (RFC 4648 §3.5), unless the caller asks
/// to skip whitespace (DKIM's `p=` tag allows folding whitespace).
public enum Base64 {
  /// Why a string is not valid base64.
  public enum DecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A byte outside `A–Z a–z 0–9 + / =` at `offset`.
    case invalidCharacter(offset: Int)
    /// The length (after skipped whitespace) is not a multiple of 4.
    case invalidLength(Int)
    /// `=` somewhere other than the last one or two positions.
    case invalidPadding(offset: Int)
    /// The unused bits of the last group are not zero, so the encoding is not canonical.
    case nonZeroPadBits

    public var description: String {
      switch self {
      case .invalidCharacter(let o): "invalid base64 character at offset \(o)"
      case .invalidLength(let n): "base64 length \(n) is not a multiple of 4"
      case .invalidPadding(let o): "misplaced base64 padding at offset \(o)"
      case .nonZeroPadBits: "non-canonical base64 (pad bits are not zero)"
      }
    }
  }

  private static let alphabet = Array(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

  private static let decodeTable: [UInt8] = {
    var t = [UInt8](repeating: 0xFF, count: 256)
    for (i, c) in alphabet.enumerated() { t[Int(c)] = UInt8(i) }
    return t
  }()

  /// Encodes `data` with padding. With `lineLength` (a multiple of 4, e.g. 76 for MIME)
  /// lines are separated by CRLF.
  public static func encode(_ data: some Sequence<UInt8>, lineLength: Int? = nil) -> String {
    let bytes = Array(data)
    var out: [UInt8] = []
    out.reserveCapacity((bytes.count + 2) / 3 * 4)
    var i = 0
    while i + 3 <= bytes.count {
      let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
      out += [
        alphabet[Int(v >> 18 & 63)], alphabet[Int(v >> 12 & 63)],
        alphabet[Int(v >> 6 & 63)], alphabet[Int(v & 63)],
      ]
      i += 3
    }
    let rest = bytes.count - i
    if rest == 1 {
      let v = UInt32(bytes[i]) << 16
      out += [alphabet[Int(v >> 18 & 63)], alphabet[Int(v >> 12 & 63)], 61, 61]
    } else if rest == 2 {
      let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
      out += [
        alphabet[Int(v >> 18 & 63)], alphabet[Int(v >> 12 & 63)], alphabet[Int(v >> 6 & 63)], 61,
      ]
    }
    guard let lineLength, lineLength > 0, out.count > lineLength else {
      return String(decoding: out, as: UTF8.self)
    }
    var wrapped: [UInt8] = []
    wrapped.reserveCapacity(out.count + out.count / lineLength * 2)
    var start = 0
    while start < out.count {
      if start > 0 { wrapped += [13, 10] }
      let end = min(start + lineLength, out.count)
      wrapped += out[start..<end]
      start = end
    }
    return String(decoding: wrapped, as: UTF8.self)
  }

  /// Decodes `text` strictly. With `ignoringWhitespace`, SP, HTAB, CR and LF are skipped
  /// first; anything else outside the alphabet is always an error.
  public static func decode(
    _ text: some StringProtocol, ignoringWhitespace: Bool = false
  ) throws(DecodingError) -> [UInt8] {
    var input: [UInt8] = []
    var offsets: [Int] = []
    input.reserveCapacity(text.utf8.count)
    for (offset, c) in text.utf8.enumerated() {
      if ignoringWhitespace && (c == 32 || c == 9 || c == 13 || c == 10) { continue }
      guard decodeTable[Int(c)] != 0xFF || c == 61 else { throw .invalidCharacter(offset: offset) }
      input.append(c)
      if ignoringWhitespace { offsets.append(offset) }
    }
    func position(_ i: Int) -> Int { ignoringWhitespace ? offsets[i] : i }

    guard input.count % 4 == 0 else { throw .invalidLength(input.count) }
    var out: [UInt8] = []
    out.reserveCapacity(input.count / 4 * 3)
    var i = 0
    while i < input.count {
      let last = i + 4 == input.count
      var group: UInt32 = 0
      var pads = 0
      for j in 0..<4 {
        let c = input[i + j]
        if c == 61 {  // "="
          // Padding only in the last group, only in its last two places, and only at the end.
          guard last, j >= 2 else { throw .invalidPadding(offset: position(i + j)) }
          pads += 1
          group <<= 6
          continue
        }
        if pads > 0 { throw .invalidPadding(offset: position(i + j - 1)) }
        let v = decodeTable[Int(c)]
        guard v != 0xFF else { throw .invalidCharacter(offset: position(i + j)) }
        group = group << 6 | UInt32(v)
      }
      out.append(UInt8(group >> 16 & 0xFF))
      if pads < 2 { out.append(UInt8(group >> 8 & 0xFF)) }
      if pads < 1 { out.append(UInt8(group & 0xFF)) }
      if pads == 1 && group & 0xFF != 0 { throw .nonZeroPadBits }
      if pads == 2 && group & 0xFFFF != 0 { throw .nonZeroPadBits }
      i += 4
    }
    return out
  }
}
