import MIME

/// A DKIM canonicalisation algorithm (RFC 6376 §3.4); the raw value is the name used in `c=`.
public enum DKIMCanonicalization: String, Sendable, Hashable, CaseIterable {
  /// Bytes as they are, except trailing empty body lines (RFC 6376 §3.4.1, §3.4.3).
  case simple
  /// Whitespace-insensitive and name-case-insensitive (RFC 6376 §3.4.2, §3.4.4); survives
  /// the refolding and whitespace changes relays commonly make.
  case relaxed
}

enum Byte {
  static let cr: UInt8 = 0x0D
  static let lf: UInt8 = 0x0A
  static let space: UInt8 = 0x20
  static let tab: UInt8 = 0x09
  static let colon: UInt8 = 0x3A

  @inline(__always) static func isWSP(_ b: UInt8) -> Bool { b == space || b == tab }

  @inline(__always) static func lower(_ b: UInt8) -> UInt8 {
    b >= 0x41 && b <= 0x5A ? b | 0x20 : b
  }
}

// MARK: - Header fields

extension DKIMCanonicalization {
  /// The canonical form of one header field, CRLF-terminated, appended to `out`.
  ///
  /// `raw` is the whole field as it appears in the message: name, colon, value, folding and
  /// (optionally) the final line break. Bare CR and bare LF count as line breaks, as they
  /// become CRLF on the wire.
  public func appendCanonicalHeader(_ raw: UnsafeRawBufferPointer, to out: inout [UInt8]) {
    switch self {
    case .simple: Self.appendSimpleHeader(raw, to: &out)
    case .relaxed: Self.appendRelaxedHeader(raw, to: &out)
    }
  }

  /// The canonical form of one header field given as bytes (see the buffer variant).
  public func canonicalHeader(_ raw: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    raw.withUnsafeBytes { appendCanonicalHeader($0, to: &out) }
    return out
  }

  /// The canonical form of `field` of the message in `source`.
  public func canonicalHeader(_ field: HeaderField, in source: some ByteSource) -> [UInt8] {
    var out: [UInt8] = []
    source.withBytes { buf in
      let r = field.range.clamped(to: 0..<buf.count)
      appendCanonicalHeader(UnsafeRawBufferPointer(rebasing: buf[r]), to: &out)
    }
    return out
  }

  /// RFC 6376 §3.4.1: unchanged, except that every line break is written as CRLF and the
  /// field ends with one.
  private static func appendSimpleHeader(_ raw: UnsafeRawBufferPointer, to out: inout [UInt8]) {
    out.reserveCapacity(out.count + raw.count + 2)
    var i = 0
    let n = raw.count
    var endsWithBreak = false
    while i < n {
      let b = raw[i]
      if b == Byte.cr || b == Byte.lf {
        out.append(Byte.cr)
        out.append(Byte.lf)
        i += (b == Byte.cr && i + 1 < n && raw[i + 1] == Byte.lf) ? 2 : 1
        endsWithBreak = true
      } else {
        out.append(b)
        i += 1
        endsWithBreak = false
      }
    }
    if !endsWithBreak {
      out.append(Byte.cr)
      out.append(Byte.lf)
    }
  }

  /// RFC 6376 §3.4.2: name lowercased, value unfolded, whitespace runs made one SP, no
  /// whitespace around the colon or at the end of the value.
  private static func appendRelaxedHeader(_ raw: UnsafeRawBufferPointer, to out: inout [UInt8]) {
    let n = raw.count
    var colon = 0
    while colon < n && raw[colon] != Byte.colon { colon += 1 }
    // The name ends where the colon or obsolete whitespace before it (RFC 5322 §4.5) starts.
    var nameEnd = colon
    while nameEnd > 0 && Byte.isWSP(raw[nameEnd - 1]) { nameEnd -= 1 }
    for i in 0..<nameEnd { out.append(Byte.lower(raw[i])) }
    out.append(Byte.colon)
    var pendingSpace = false
    var wroteValue = false
    var i = colon + 1
    while i < n {
      let b = raw[i]
      i += 1
      if b == Byte.cr || b == Byte.lf { continue }  // unfolding removes line breaks only
      if Byte.isWSP(b) {
        pendingSpace = true
        continue
      }
      if pendingSpace && wroteValue { out.append(Byte.space) }
      pendingSpace = false
      wroteValue = true
      out.append(b)
    }
    out.append(Byte.cr)
    out.append(Byte.lf)
  }
}

// MARK: - Body

extension DKIMCanonicalization {
  /// The canonical form of a whole body (for tests and small bodies; large ones go through
  /// ``DKIMBodyHash`` in pieces).
  public func canonicalBody(_ body: [UInt8]) -> [UInt8] {
    var c = DKIMBodyCanonicalizer(self)
    var out: [UInt8] = []
    body.withUnsafeBytes { c.canonicalize($0, into: &out) }
    c.finish(into: &out)
    return out
  }
}

// MARK: - Signed header selection

extension DKIMCanonicalization {
  /// The canonical header fields an `h=` list selects, in `h=` order (RFC 6376 §5.4.2): the
  /// n-th occurrence of a name picks the n-th instance from the bottom; a name listed more
  /// often than the field occurs (over-signing) contributes nothing for the extra entries.
  public func canonicalSignedHeaders(
    _ names: [String], header: Header, in source: some ByteSource
  ) -> [UInt8] {
    var out: [UInt8] = []
    var used: [String: Int] = [:]
    source.withBytes { buf in
      for name in names {
        let key = name.lowercased()
        let instances = header.fields(named: name)
        let n = used[key, default: 0]
        used[key] = n + 1
        guard n < instances.count else { continue }
        let r = instances[instances.count - 1 - n].range.clamped(to: 0..<buf.count)
        appendCanonicalHeader(UnsafeRawBufferPointer(rebasing: buf[r]), to: &out)
      }
    }
    return out
  }
}
