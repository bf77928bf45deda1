/// Builds a DNS message, compressing names against earlier ones
/// (RFC 1035 §4.1.4) when asked to.
struct WireWriter {
  private(set) var bytes: [UInt8] = []
  /// Where each name suffix written so far starts, keyed by its exact labels:
  /// matching without case would make a decoded name take another name's
  /// spelling. Only offsets below 0x4000 fit in a pointer.
  private var suffixes: [[[UInt8]]: Int] = [:]
  let compress: Bool

  init(compress: Bool) {
    self.compress = compress
    bytes.reserveCapacity(512)
  }

  var count: Int { bytes.count }

  mutating func u8(_ v: UInt8) { bytes.append(v) }

  mutating func u16(_ v: UInt16) {
    bytes.append(UInt8(v >> 8))
    bytes.append(UInt8(v & 0xff))
  }

  mutating func u32(_ v: UInt32) {
    u16(UInt16(v >> 16))
    u16(UInt16(v & 0xffff))
  }

  mutating func append(_ b: [UInt8]) { bytes += b }

  mutating func set16(_ v: UInt16, at offset: Int) {
    bytes[offset] = UInt8(v >> 8)
    bytes[offset + 1] = UInt8(v & 0xff)
  }

  /// Writes `name`, ending in a pointer to an earlier copy of its longest
  /// already-written suffix when compression is on. Only names in RFC 1035
  /// record types are written here, all of which may be compressed
  /// (RFC 3597 §4).
  mutating func name(_ name: DNSName) {
    for i in name.labels.indices {
      let suffix = Array(name.labels[i...])
      if compress, let target = suffixes[suffix] {
        u16(0xc000 | UInt16(target))
        return
      }
      if bytes.count < 0x4000 && suffixes[suffix] == nil { suffixes[suffix] = bytes.count }
      u8(UInt8(name.labels[i].count))
      append(name.labels[i])
    }
    u8(0)
  }
}
