/// The PLAIN mechanism's single message (RFC 4616 §2):
///
///     message   = [authzid] UTF8NUL authcid UTF8NUL passwd
///     authcid   = 1*SAFE ; MUST accept up to 255 octets
///     passwd    = 1*SAFE ; MUST accept up to 255 octets
///     SAFE      = UTF1 / UTF2 / UTF3 / UTF4 ; any UTF-8 character but NUL
struct PlainMessage: Equatable {
  /// The identity to act as; empty when the client asks for its own.
  let authzid: String
  /// The login name.
  let authcid: String
  /// The password bytes (valid UTF-8).
  let password: [UInt8]

  static func parse(_ bytes: [UInt8]) throws(AuthFailure) -> PlainMessage {
    let fields = bytes.split(separator: 0, omittingEmptySubsequences: false)
    guard fields.count == 3 else {
      throw .malformed("PLAIN needs authzid NUL authcid NUL password")
    }
    guard !fields[1].isEmpty, !fields[2].isEmpty else {
      throw .malformed("PLAIN authcid and password must not be empty")
    }
    guard let authzid = String(validating: fields[0], as: UTF8.self),
      let authcid = String(validating: fields[1], as: UTF8.self),
      String(validating: fields[2], as: UTF8.self) != nil
    else { throw .malformed("PLAIN fields must be UTF-8") }
    return PlainMessage(authzid: authzid, authcid: authcid, password: Array(fields[2]))
  }
}
