import Glibc

/// The file operations the key store needs, each failing with the path and the system's reason.
///
/// New files are written to a uniquely named temporary file (exclusive create, mode 0600),
/// synced, and then either linked to their final name — which fails if that name exists, so
/// the first writer wins and nobody overwrites — or renamed over it, for the one file that is
/// meant to be replaced.
enum KeyFiles {
  enum Outcome: Equatable {
    case created
    case alreadyExists
  }

  static func failure(_ path: String, _ what: String, _ code: Int32) -> DKIMError {
    .file(path: path, reason: "\(what): \(String(cString: strerror(code)))")
  }

  static func join(_ directory: String, _ name: String) -> String {
    directory.hasSuffix("/") ? directory + name : directory + "/" + name
  }

  /// Creates `path` (and missing parents) with `mode`; an existing directory is left as it is.
  static func makeDirectory(_ path: String, mode: mode_t) throws(DKIMError) {
    var st = stat()
    if stat(path, &st) == 0 {
      guard st.st_mode & S_IFMT == S_IFDIR else {
        throw .file(path: path, reason: "exists and is not a directory")
      }
      return
    }
    let parent = parentDirectory(path)
    if parent != path && !parent.isEmpty && parent != "." { try makeDirectory(parent, mode: mode) }
    if mkdir(path, mode) != 0 {
      let e = errno
      if e == EEXIST { return }
      throw failure(path, "cannot create directory", e)
    }
    // mkdir applies the umask; the key directories must be exactly `mode`.
    if chmod(path, mode) != 0 { throw failure(path, "cannot set permissions", errno) }
  }

  static func parentDirectory(_ path: String) -> String {
    var p = path
    while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
    guard let slash = p.lastIndex(of: "/") else { return "." }
    if slash == p.startIndex { return "/" }
    return String(p[..<slash])
  }

  /// The whole file, or nil if it does not exist.
  static func read(_ path: String) throws(DKIMError) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 {
      let e = errno
      if e == ENOENT { return nil }
      throw failure(path, "cannot open", e)
    }
    defer { Glibc.close(fd) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16 * 1024)
    while true {
      let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      if n < 0 {
        let e = errno
        if e == EINTR { continue }
        throw failure(path, "cannot read", e)
      }
      if n == 0 { break }
      out += chunk[0..<n]
      // Key store files are small; anything large is not ours.
      if out.count > 1 << 20 { throw .malformedStore(path: path, reason: "file is too large") }
    }
    return out
  }

  /// Writes `bytes` to `path` only if no file of that name exists, atomically: readers see
  /// no file or the complete one. Returns whether this call created it.
  static func createExclusively(_ path: String, _ bytes: [UInt8]) throws(DKIMError) -> Outcome {
    let temp = try writeTemporary(beside: path, bytes)
    defer { unlink(temp) }
    if link(temp, path) != 0 {
      let e = errno
      if e == EEXIST { return .alreadyExists }
      throw failure(path, "cannot link into place", e)
    }
    try syncDirectory(parentDirectory(path))
    return .created
  }

  /// Writes `bytes` to `path`, replacing any file there atomically.
  static func replace(_ path: String, _ bytes: [UInt8]) throws(DKIMError) {
    let temp = try writeTemporary(beside: path, bytes)
    if rename(temp, path) != 0 {
      let e = errno
      unlink(temp)
      throw failure(path, "cannot rename into place", e)
    }
    try syncDirectory(parentDirectory(path))
  }

  /// Removes `path`; a missing file is not an error.
  static func remove(_ path: String) throws(DKIMError) {
    if unlink(path) != 0 {
      let e = errno
      if e != ENOENT { throw failure(path, "cannot remove", e) }
    }
  }

  /// Names in `directory` (without `.` and `..`), or nil if it does not exist.
  static func list(_ directory: String) throws(DKIMError) -> [String]? {
    guard let dir = opendir(directory) else {
      let e = errno
      if e == ENOENT { return nil }
      throw failure(directory, "cannot list", e)
    }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
  }

  /// A new file beside `path` holding `bytes`, mode 0600, synced. Its name starts with a dot
  /// and holds the process id and random bytes, so concurrent writers never share one.
  private static func writeTemporary(beside path: String, _ bytes: [UInt8]) throws(DKIMError)
    -> String
  {
    let directory = parentDirectory(path)
    var fd: Int32 = -1
    var temp = ""
    for _ in 0..<8 {
      temp = join(directory, ".tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
      fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
      if fd >= 0 || errno != EEXIST { break }
    }
    if fd < 0 { throw failure(temp, "cannot create", errno) }
    var failedErrno: Int32 = 0
    bytes.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
        if n < 0 {
          if errno == EINTR { continue }
          failedErrno = errno
          return
        }
        offset += n
      }
    }
    // open applied the umask; the mode must be exactly 0600 whatever it is.
    if failedErrno == 0 && fchmod(fd, 0o600) != 0 { failedErrno = errno }
    if failedErrno == 0 && fsync(fd) != 0 { failedErrno = errno }
    Glibc.close(fd)
    if failedErrno != 0 {
      unlink(temp)
      throw failure(temp, "cannot write", failedErrno)
    }
    return temp
  }

  /// Makes links and renames in `directory` durable.
  private static func syncDirectory(_ directory: String) throws(DKIMError) {
    let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if fd < 0 { throw failure(directory, "cannot open directory", errno) }
    defer { Glibc.close(fd) }
    if fsync(fd) != 0 { throw failure(directory, "cannot sync directory", errno) }
  }
}
