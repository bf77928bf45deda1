import Crypto

/// The text of one `DKIM-Signature` field (RFC 6376 §3.5), folded to 78-column lines.
///
/// The same tags produce the field twice: once with an empty `b=` (what the header hash
/// covers, RFC 6376 §3.7) and once with the signature. The unsigned form is an exact prefix
/// of the signed one, and all folding added for the signature lies inside the `b=` value,
/// which verifiers delete with its surrounding whitespace before hashing — so both simple and
/// relaxed header canonicalisation see the same bytes the signer hashed.
struct DKIMSignatureField: Sendable, Equatable {
  static let name = "DKIM-Signature"
  /// RFC 5322 §2.1.1: lines SHOULD be at most 78 characters, excluding the CRLF.
  static let lineLimit = 78

  var algorithm: DKIMAlgorithm
  var headerCanonicalization: DKIMCanonicalization
  var bodyCanonicalization: DKIMCanonicalization
  var domain: String
  var selector: String
  var timestamp: Int64
  var expiration: Int64?
  /// Names for `h=`, repeated as often as signed (over-signed names one more time).
  var signedHeaderNames: [String]
  /// The body hash (raw digest).
  var bodyHash: [UInt8]

  /// The field up to and including `b=`, without a line break: the header hash's last input
  /// before canonicalisation.
  func unsignedBytes() -> [UInt8] { unsignedFolder().bytes }

  private func unsignedFolder() -> Folder {
    var folder = Folder(name: Self.name)
    folder.append("v=1;", separator: " ")
    folder.append("a=\(algorithm.rawValue);", separator: " ")
    let c = "\(headerCanonicalization.rawValue)/\(bodyCanonicalization.rawValue)"
    folder.append("c=\(c);", separator: " ")
    folder.append("d=\(domain);", separator: " ")
    folder.append("s=\(selector);", separator: " ")
    folder.append("t=\(timestamp);", separator: " ")
    if let expiration { folder.append("x=\(expiration);", separator: " ") }
    // FWS is allowed around each colon of h= (RFC 6376 §3.5 sig-h-tag), so a long list folds
    // after a colon.
    for (i, name) in signedHeaderNames.enumerated() {
      let last = i == signedHeaderNames.count - 1
      let atom = (i == 0 ? "h=" : "") + name + (last ? ";" : ":")
      folder.append(atom, separator: i == 0 ? " " : "")
    }
    folder.append("bh=\(Base64.encode(bodyHash));", separator: " ")
    folder.append("b=", separator: " ")
    return folder
  }

  /// The complete field with `signature` in `b=`, CRLF-terminated, ready to prepend.
  func signedBytes(signature: [UInt8]) -> [UInt8] {
    var folder = unsignedFolder()
    // Base64 may be folded anywhere (RFC 6376 §3.5 sig-b-tag-data allows FWS).
    let encoded = Array(Base64.encode(signature).utf8)
    var i = 0
    while i < encoded.count {
      let room = Self.lineLimit - folder.column
      if room <= 0 {
        folder.newLine()
        continue
      }
      let end = min(i + room, encoded.count)
      folder.bytes += encoded[i..<end]
      folder.column += end - i
      i = end
    }
    folder.bytes += [Byte.cr, Byte.lf]
    return folder.bytes
  }

  /// Accumulates atoms, breaking the line with CRLF TAB before an atom that would not fit.
  private struct Folder {
    var bytes: [UInt8]
    var column: Int

    init(name: String) {
      bytes = Array("\(name):".utf8)
      column = bytes.count
    }

    mutating func append(_ atom: String, separator: String) {
      let a = Array(atom.utf8)
      let s = Array(separator.utf8)
      if column + s.count + a.count > DKIMSignatureField.lineLimit && column > 1 {
        newLine()
      } else {
        bytes += s
        column += s.count
      }
      bytes += a
      column += a.count
    }

    mutating func newLine() {
      bytes += [Byte.cr, Byte.lf, Byte.tab]
      column = 1
    }
  }
}
