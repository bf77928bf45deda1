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
