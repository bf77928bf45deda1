/// The real endpoints of a connection relayed by a proxy speaking the PROXY
/// protocol (HAProxy's spec, versions 1 and 2).
public struct ProxyHeader: Sendable, Hashable, CustomStringConvertible {
  /// 1 (text) or 2 (binary).
  public let version: Int
  /// The client as the proxy saw it.
  public let source: SocketAddress
  /// The address the client connected to on the proxy.
  public let destination: SocketAddress

  /// A header as parsed (or built by a test).
  public init(version: Int, source: SocketAddress, destination: SocketAddress) {
    self.version = version
    self.source = source
    self.destination = destination
  }

  public var description: String { "PROXY v\(version) \(source) -> \(destination)" }
}

/// Why a PROXY protocol header was refused. The connection should be closed:
/// a trusted proxy always sends a well-formed header.
public enum ProxyProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The first bytes are neither `PROXY ` nor the version 2 signature.
  case notProxyProtocol
  /// The header is longer than allowed (107 bytes for v1, the configured
  /// maximum for v2).
  case tooLong(Int)
  /// The stream ended inside the header.
  case truncated
  /// A version 2 header with a version nibble other than 2.
  case unsupportedVersion(UInt8)
  /// A version 2 header for a datagram transport, which a TCP server cannot
  /// honour.
  case unsupportedTransport(UInt8)
  /// Syntax or consistency errors, with a reason.
  case malformed(String)

  public var description: String {
    switch self {
    case .notProxyProtocol: "expected a PROXY protocol header from a trusted proxy"
    case .tooLong(let max): "PROXY header longer than \(max) bytes"
    case .truncated: "connection closed inside the PROXY header"
    case .unsupportedVersion(let v): "unsupported PROXY protocol version \(v)"
    case .unsupportedTransport(let t): "unsupported PROXY v2 transport 0x\(String(t, radix: 16))"
    case .malformed(let why): "malformed PROXY header: \(why)"
    }
  }
}
