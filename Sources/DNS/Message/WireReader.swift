/// A bounds-checked cursor over a received DNS message. Every read checks the
/// remaining length first and throws `DNSMessageError.truncated`; nothing here
/// traps on hostile input.
struct WireReader {
  let bytes: [UInt8]
  var offset: Int

  init(_ bytes: [UInt8], offset: Int = 0) {
    self.bytes = bytes
    self.offset = offset
  }

  var remaining: Int { bytes.count - offset }

  mutating func u8(_ what: String) throws(DNSMessageError) -> UInt8 {
    guard offset < bytes.count else { throw .truncated(offset: offset, what: what) }
    defer { offset += 1 }
    return bytes[offset]
  }

  mutating func u16(_ what: String) throws(DNSMessageError) -> UInt16 {
    guard remaining >= 2 else { throw .truncated(offset: offset, what: what) }
    defer { offset += 2 }
    return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
  }

  mutating func u32(_ what: String) throws(DNSMessageError) -> UInt32 {
    guard remaining >= 4 else { throw .truncated(offset: offset, what: what) }
    defer { offset += 4 }
    return UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
      | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
  }

  mutating func take(_ count: Int, _ what: String) throws(DNSMessageError) -> [UInt8] {
    guard count >= 0, remaining >= count else { throw .truncated(offset: offset, what: what) }
    defer { offset += count }
    return Array(bytes[offset..<offset + count])
  }

  /// Reads a possibly compressed name (RFC 1035 §4.1.4) and leaves the cursor
  /// after it (after the first pointer, if any).
  ///
  /// A pointer must target an offset past the header and strictly before the
  /// start of the stretch of labels it ends. Each jump therefore moves
  /// strictly backwards, so the walk ends even on a hostile message; genuine
  /// compression only ever points at earlier occurrences.
  mutating func name() throws(DNSMessageError) -> DNSName {
    var labels: [[UInt8]] = []
    var wire = 1
    var pos = offset
    var segmentStart = offset
    var resume: Int?
    while true {
      guard pos < bytes.count else { throw .truncated(offset: pos, what: "a domain name") }
      let length = bytes[pos]
      switch length >> 6 {
      case 0:
        if length == 0 {
          offset = resume ?? pos + 1
          return DNSName(checked: labels)
        }
        let count = Int(length)  // at most 63: the top two bits are clear
        guard pos + 1 + count <= bytes.count else {
          throw .truncated(offset: pos, what: "a \(count)-octet label")
        }
        wire += 1 + count
        guard wire <= DNSName.maxWireLength else { throw .nameTooLong(offset: offset) }
        labels.append(Array(bytes[pos + 1..<pos + 1 + count]))
        pos += 1 + count
      case 3:
        guard pos + 1 < bytes.count else {
          throw .truncated(offset: pos, what: "a compression pointer")
        }
        let target = Int(length & 0x3f) << 8 | Int(bytes[pos + 1])
        guard target >= DNSHeader.size, target < segmentStart else {
          throw .badPointer(offset: pos, target: target)
        }
        if resume == nil { resume = pos + 2 }
        pos = target
        segmentStart = target
      default:
        throw .badLabelType(offset: pos, byte: length)
      }
    }
  }
}
