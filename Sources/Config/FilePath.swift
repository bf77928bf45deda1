import Glibc

/// Lexical path handling and file reading, without touching the file system beyond the read:
/// `check-config` must work when `data_dir` does not exist yet.
enum FilePath {
  /// `path` made absolute against `directory` (itself absolute) and normalised: no `.`, no
  /// `..`, no doubled or trailing slashes. Symbolic links are left alone.
  static func resolve(_ path: String, against directory: String) -> String {
    normalize(path.hasPrefix("/") ? path : directory + "/" + path)
  }

  static func normalize(_ path: String) -> String {
    var parts: [Substring] = []
    for part in path.split(separator: "/") {
      switch part {
      case ".": continue
      case "..": if !parts.isEmpty { parts.removeLast() }
      default: parts.append(part)
      }
    }
    return "/" + parts.joined(separator: "/")
  }

  /// The directory part of an absolute, normalised path.
  static func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
    return String(path[..<slash])
  }

  /// The process's working directory, for relative paths named on the command line.
  static func currentDirectory() -> String {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    guard getcwd(&buffer, buffer.count) != nil else { return "/" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// The machine's host name, lower-cased, or "" if it has none.
  static func systemHostName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
    let name = String(
      decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return name.lowercased()
  }

  /// Configuration files are a few kilobytes; the cap keeps `--config /dev/zero` from
  /// reading forever.
  static let maxFileSize = 1 << 20

  /// The whole file, or the system's reason it cannot be read.
  static func read(_ path: String) -> Result<[UInt8], ValueError> {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return .failure(ValueError(String(cString: strerror(errno)))) }
    defer { close(fd) }
    return read(fd: fd)
  }

  /// The rest of an open file, at most `maxFileSize` bytes.
  static func read(fd: Int32) -> Result<[UInt8], ValueError> {
    var contents: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
      let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      if count < 0 {
        let error = errno
        if error == EINTR { continue }
        return .failure(ValueError(String(cString: strerror(error))))
      }
      if count == 0 { return .success(contents) }
      contents.append(contentsOf: chunk[..<count])
      if contents.count > maxFileSize {
        return .failure(ValueError("it is larger than \(maxFileSize >> 20) MiB"))
      }
    }
  }
}
