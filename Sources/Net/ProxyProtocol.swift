/// PROXY protocol parsing (HAProxy spec, v1 text and v2 binary).
///
/// The pure functions work on the bytes received so far and report
/// `.incomplete` until a whole header is there, so they are tested on byte
/// arrays and drip-fed input; `readHeader` drives them from a `BufferedReader`.
public enum ProxyProtocol {
  /// The longest v1 header, CRLF included (spec §2.1).
  public static let maxV1Length = 107
  /// The default bound for a v2 header (16-byte preamble plus addresses and TLVs).
  public static let defaultMaxV2Length = 4096
  /// `\r\n\r\n\0\r\nQUIT\n`, the 12 bytes opening a v2 header.
  public static let v2Signature: [UInt8] = [
    0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
  ]
  private static let v1Prefix = Array("PROXY ".utf8)

  /// The outcome of parsing the bytes received so far.
  public enum ParseResult: Sendable, Equatable {
    /// More bytes are needed.
    case incomplete
    /// A whole header of `length` bytes; `nil` for v1 `UNKNOWN`, v2 `LOCAL`
    /// and v2 unspecified/unix addresses: keep the socket's own addresses.
    case complete(ProxyHeader?, length: Int)
  }

  /// Parses a v1 or v2 header at the start of `bytes`.
  /// - Throws: `ProxyProtocolError` as soon as the bytes cannot be a header.
  public static func parse(
    _ bytes: ArraySlice<UInt8>, maxV2Length: Int = defaultMaxV2Length
  ) throws(ProxyProtocolError) -> ParseResult {
    guard let first = bytes.first else { return .incomplete }
    if first == v2Signature[0] { return try parseV2(bytes, maxLength: maxV2Length) }
    return try parseV1(bytes)
  }

  /// Parses a v1 header: `PROXY TCP4|TCP6 src dst sport dport\r\n` or
  /// `PROXY UNKNOWN ...\r\n`.
  public static func parseV1(_ bytes: ArraySlice<UInt8>) throws(ProxyProtocolError) -> ParseResult {
    let b = Array(bytes.prefix(maxV1Length))
    guard b.starts(with: v1Prefix.prefix(b.count)) else { throw .notProxyProtocol }
    guard let lf = b.firstIndex(of: 0x0A) else {
      if b.count >= maxV1Length { throw .tooLong(maxV1Length) }
      return .incomplete
    }
    guard lf >= v1Prefix.count, b[lf - 1] == 0x0D else {
      throw .malformed("v1 header must end with CRLF")
    }
    let fields = b[v1Prefix.count..<(lf - 1)].split(
      separator: 0x20, omittingEmptySubsequences: false
    )
    .map { String(decoding: $0, as: UTF8.self) }
    let length = lf + 1
    switch fields.first {
    case "UNKNOWN":
      // The spec: the receiver must ignore anything after UNKNOWN.
      return .complete(nil, length: length)
    case "TCP4", "TCP6":
      break
    default:
      throw .malformed("v1 protocol must be TCP4, TCP6 or UNKNOWN")
    }
    guard fields.count == 5 else {
      throw .malformed("v1 header needs protocol, two addresses and two ports")
    }
    let size = fields[0] == "TCP4" ? 4 : 16
    guard let src = parseIPLiteral(fields[1], size: size),
      let dst = parseIPLiteral(fields[2], size: size)
    else { throw .malformed("v1 addresses do not match \(fields[0])") }
    guard let sport = SocketAddress.parsePort(Substring(fields[3])),
      let dport = SocketAddress.parsePort(Substring(fields[4]))
    else { throw .malformed("v1 ports must be numbers from 0 to 65535") }
    return .complete(
      ProxyHeader(version: 1, source: address(src, sport), destination: address(dst, dport)),
      length: length)
  }

  /// Parses a v2 header: signature, version/command, family/transport,
  /// big-endian length, address block, TLVs (checked for bounds, skipped).
  public static func parseV2(
    _ bytes: ArraySlice<UInt8>, maxLength: Int = defaultMaxV2Length
  ) throws(ProxyProtocolError) -> ParseResult {
    let b = bytes.startIndex
    let have = Swift.min(bytes.count, 16)
    guard bytes.prefix(12).elementsEqual(v2Signature.prefix(Swift.min(have, 12))) else {
      throw .notProxyProtocol
    }
    guard bytes.count >= 16 else { return .incomplete }
    let versionCommand = bytes[b + 12]
    guard versionCommand >> 4 == 2 else { throw .unsupportedVersion(versionCommand >> 4) }
    let command = versionCommand & 0x0F
    guard command <= 1 else { throw .malformed("v2 command must be LOCAL or PROXY") }
    let familyTransport = bytes[b + 13]
    let blockLength = Int(bytes[b + 14]) << 8 | Int(bytes[b + 15])
    let length = 16 + blockLength
    guard length <= maxLength else { throw .tooLong(maxLength) }
    guard bytes.count >= length else { return .incomplete }
    let block = bytes[(b + 16)..<(b + length)]

    let addressLength: Int
    switch familyTransport {
    case 0x00: addressLength = 0  // UNSPEC
    case 0x11: addressLength = 12  // TCP over IPv4
    case 0x21: addressLength = 36  // TCP over IPv6
    case 0x31, 0x32: addressLength = 216  // unix stream/datagram
    case 0x12, 0x22: throw .unsupportedTransport(familyTransport)
    default: throw .malformed("unknown v2 address family 0x\(String(familyTransport, radix: 16))")
    }
    // LOCAL carries no meaningful addresses; its block may be anything.
    if command == 0 { return .complete(nil, length: length) }
    guard block.count >= addressLength else {
      throw .malformed("v2 address block shorter than its family needs")
    }
    try checkTLVs(block.dropFirst(addressLength))
    guard familyTransport == 0x11 || familyTransport == 0x21 else {
      return .complete(nil, length: length)
    }
    let size = familyTransport == 0x11 ? 4 : 16
    let a = block.startIndex
    let src = Array(block[a..<(a + size)])
    let dst = Array(block[(a + size)..<(a + 2 * size)])
    let p = a + 2 * size
    let sport = UInt16(block[p]) << 8 | UInt16(block[p + 1])
    let dport = UInt16(block[p + 2]) << 8 | UInt16(block[p + 3])
    return .complete(
      ProxyHeader(version: 2, source: address(src, sport), destination: address(dst, dport)),
      length: length)
  }

  /// Type-length-value records after the addresses must tile the rest of the
  /// block exactly; their content is not used.
  private static func checkTLVs(_ tlvs: ArraySlice<UInt8>) throws(ProxyProtocolError) {
    var i = tlvs.startIndex
    while i < tlvs.endIndex {
      guard tlvs.endIndex - i >= 3 else { throw .malformed("v2 TLV header truncated") }
      let len = Int(tlvs[i + 1]) << 8 | Int(tlvs[i + 2])
      i += 3 + len
      guard i <= tlvs.endIndex else { throw .malformed("v2 TLV runs past the header") }
    }
  }

  /// Reads a header from the start of the stream, bounded by its size limits
  /// and `deadline`. Bytes after the header stay buffered in `reader`.
  /// - Returns: the proxied endpoints, or nil when the proxy says to use the
  ///   connection's own addresses (v1 UNKNOWN, v2 LOCAL, non-IP families).
  /// - Throws: `ProxyProtocolError`, `NetError.timedOut`, I/O errors.
  nonisolated(nonsending) public static func readHeader(
    from reader: BufferedReader, deadline: ContinuousClock.Instant?,
    maxV2Length: Int = defaultMaxV2Length
  ) async throws -> ProxyHeader? {
    while true {
      switch try parse(reader.peekBuffered(), maxV2Length: maxV2Length) {
      case .complete(let header, let length):
        reader.consumeBuffered(length)
        return header
      case .incomplete:
        guard try await reader.fill(deadline: deadline) else { throw ProxyProtocolError.truncated }
      }
    }
  }

  private static func parseIPLiteral(_ text: String, size: Int) -> [UInt8]? {
    guard text.lowercased() != "localhost", !text.hasPrefix("["),
      let b = SocketAddress.parseIP(text), b.count == size
    else { return nil }
    return b
  }

  private static func address(_ bytes: [UInt8], _ port: UInt16) -> SocketAddress {
    // Sizes are checked by the callers, so this cannot fail.
    try! SocketAddress(bytes: bytes, port: port)
  }
}
