internal import COpenSSL

/// Reads OpenSSL's thread-local error queue. Callers clear it before each
/// operation, so what is left afterwards belongs to that operation.
enum OpenSSLErrors {
  /// Drains the queue and returns its reasons joined by "; ", or `fallback` if empty.
  static func drain(fallback: String) -> String {
    var reasons: [String] = []
    while true {
      let code = ERR_get_error()
      if code == 0 { break }
      if let r = ERR_reason_error_string(code) {
        let s = String(cString: r)
        if !reasons.contains(s) { reasons.append(s) }
      } else {
        reasons.append("error \(code)")
      }
    }
    return reasons.isEmpty ? fallback : reasons.joined(separator: "; ")
  }
}

/// Passphrase callback that supplies none, so an encrypted PEM key fails to load
/// instead of OpenSSL prompting on the controlling terminal.
let refusePassphrase:
  @convention(c) (
    UnsafeMutablePointer<CChar>?, Int32, Int32, UnsafeMutableRawPointer?
  ) -> Int32 = { _, _, _, _ in 0 }

/// Reading the contents of a memory BIO.
enum MemoryBIO {
  static func bytes(_ bio: OpaquePointer) -> [UInt8] {
    let n = Int(BIO_ctrl_pending(bio))
    guard n > 0 else { return [] }
    return [UInt8](unsafeUninitializedCapacity: n) { buf, count in
      let r = BIO_read(bio, buf.baseAddress, Int32(n))
      count = r > 0 ? Int(r) : 0
    }
  }

  static func string(_ bio: OpaquePointer) -> String {
    String(decoding: bytes(bio), as: UTF8.self)
  }
}
