import Foundation

/// A fresh directory under the system temp directory, removed by `remove()`.
struct TemporaryDirectory {
  let path: String

  init() {
    var template = Array((NSTemporaryDirectory() + "posta-dkim-XXXXXX").utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    precondition(made != nil, "mkdtemp failed")
    path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  func appending(_ name: String) -> String { path + "/" + name }

  func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Permission bits of `path` (e.g. 0o600).
func permissions(_ path: String) -> Int {
  var st = stat()
  guard stat(path, &st) == 0 else { return -1 }
  return Int(st.st_mode & 0o777)
}
