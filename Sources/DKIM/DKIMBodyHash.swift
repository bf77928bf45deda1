import Crypto
import MIME

/// The `bh=` value of a body (RFC 6376 §3.7), computed piece by piece.
///
/// Input of any size is cut into pieces of at most ``pieceSize`` bytes, each canonicalised into
/// one reused buffer and fed to the digest, so memory stays bounded by the piece size however
/// large the body is. Not copyable: it owns the digest context.
public struct DKIMBodyHash: ~Copyable {
  /// Bytes canonicalised at a time; the output buffer grows to at most twice this.
  public static let pieceSize = 64 * 1024

  private var canonicalizer: DKIMBodyCanonicalizer
  private var digest: IncrementalHash
  private var buffer: [UInt8] = []

  /// Starts a body hash with `canonicalization` over SHA-256 (the only hash DKIM signers use).
  public init(_ canonicalization: DKIMCanonicalization, algorithm: HashAlgorithm = .sha256) {
    canonicalizer = DKIMBodyCanonicalizer(canonicalization)
    digest = IncrementalHash(algorithm)
    buffer.reserveCapacity(Self.pieceSize + 64)
  }

  /// Feeds the next bytes of the body.
  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    var start = 0
    while start < bytes.count {
      let end = min(start + Self.pieceSize, bytes.count)
      canonicalizer.canonicalize(
        UnsafeRawBufferPointer(rebasing: bytes[start..<end]), into: &buffer)
      flush()
      start = end
    }
  }

  /// Feeds the next bytes of the body from an array.
  public mutating func update(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { update($0) }
  }

  /// Finishes the body and returns the digest (base64 it for `bh=`).
  public consuming func finalize() -> [UInt8] {
    canonicalizer.finish(into: &buffer)
    flush()
    return digest.finalize()
  }

  private mutating func flush() {
    guard !buffer.isEmpty else { return }
    digest.update(buffer)
    buffer.removeAll(keepingCapacity: true)
  }

  /// The body hash of `range` of `source` (pass `header.bodyStart..<source.count`).
  public static func compute(
    _ source: some ByteSource, range: Range<Int>, canonicalization: DKIMCanonicalization
  ) -> [UInt8] {
    var hash = DKIMBodyHash(canonicalization)
    source.withBytes { buf in
      let r = range.clamped(to: 0..<buf.count)
      hash.update(UnsafeRawBufferPointer(rebasing: buf[r]))
    }
    return hash.finalize()
  }
}
