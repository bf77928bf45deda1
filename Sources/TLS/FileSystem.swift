import Glibc

/// The few file operations certificate management needs, with errors that name the path.
enum FileSystem {
  private static func failure(_ path: String, _ what: String, _ code: Int32) -> TLSError {
    .file(path: path, reason: "\(what): \(String(cString: strerror(code)))")
  }

  /// Creates `path` and missing parents with `mode`; an existing directory is left as is.
  static func makeDirectory(_ path: String, mode: mode_t) throws(TLSError) {
    var st = stat()
    if stat(path, &st) == 0 {
      guard st.st_mode & S_IFMT == S_IFDIR else {
        throw .file(path: path, reason: "exists and is not a directory")
      }
      return
    }
    let parent = parentDirectory(path)
    if parent != path && !parent.isEmpty { try makeDirectory(parent, mode: mode) }
    if mkdir(path, mode) != 0 {
      let e = errno
      if e != EEXIST { throw failure(path, "cannot create directory", e) }
    }
  }

  static func parentDirectory(_ path: String) -> String {
    var p = path
    while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
    guard let slash = p.lastIndex(of: "/") else { return "." }
    if slash == p.startIndex { return "/" }
    return String(p[..<slash])
  }

  static func join(_ directory: String, _ name: String) -> String {
    directory.hasSuffix("/") ? directory + name : directory + "/" + name
  }

  /// Writes `bytes` to a temporary file beside `path`, syncs it and renames it over
  /// `path`, so readers see the old file or the new one, never a partial one.
  static func writeAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t) throws(TLSError) {
    let temp = "\(path).tmp.\(getpid())"
    let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)
    if fd < 0 { throw failure(temp, "cannot create", errno) }
    var offset = 0
    var failedErrno: Int32 = 0
    bytes.withUnsafeBytes { raw in
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
    if failedErrno == 0 && fchmod(fd, mode) != 0 { failedErrno = errno }
    if failedErrno == 0 && fsync(fd) != 0 { failedErrno = errno }
    Glibc.close(fd)
    if failedErrno != 0 {
      unlink(temp)
      throw failure(temp, "cannot write", failedErrno)
    }
    if rename(temp, path) != 0 {
      let e = errno
      unlink(temp)
      throw failure(path, "cannot rename into place", e)
    }
  }

  /// Makes renames in `directory` durable.
  static func syncDirectory(_ directory: String) throws(TLSError) {
    let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if fd < 0 { throw failure(directory, "cannot open directory", errno) }
    defer { Glibc.close(fd) }
    if fsync(fd) != 0 { throw failure(directory, "cannot sync directory", errno) }
  }

  /// Takes an exclusive advisory lock on `path` (created 0600), so two processes never
  /// write a certificate and a key that do not belong together. Close the result to release.
  static func lock(_ path: String) throws(TLSError) -> Int32 {
    let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    if fd < 0 { throw failure(path, "cannot open lock file", errno) }
    while flock(fd, LOCK_EX) != 0 {
      let e = errno
      if e == EINTR { continue }
      Glibc.close(fd)
      throw failure(path, "cannot lock", e)
    }
    return fd
  }
}
