import Glibc

/// Copies files and directories for `posta backup`: modes kept (private keys stay 0600),
/// symbolic links copied as links, every file and directory synced before it returns,
/// nothing overwritten.
struct FileTreeCopy {
  /// What a copy wrote.
  struct Totals {
    var files = 0
    var bytes: Int64 = 0
    /// Entries that are neither file, directory nor link (sockets, FIFOs), left out.
    var skipped: [String] = []
  }

  enum Failure: Error, CustomStringConvertible {
    case read(path: String, errno: Int32)
    case write(path: String, errno: Int32)

    var description: String {
      switch self {
      case .read(let p, let e): "cannot read \(p): \(String(cString: strerror(e)))"
      case .write(let p, let e): "cannot write \(p): \(String(cString: strerror(e)))"
      }
    }
  }

  private(set) var totals = Totals()

  /// Copies `source` (file, directory or link) to `destination`, which must not exist.
  mutating func copy(_ source: String, to destination: String) throws(Failure) {
    var st = stat()
    guard lstat(source, &st) == 0 else { throw .read(path: source, errno: errno) }
    switch st.st_mode & S_IFMT {
    case S_IFDIR: try copyDirectory(source, destination, mode: st.st_mode & 0o7777)
    case S_IFREG: try copyFile(source, destination, mode: st.st_mode & 0o7777)
    case S_IFLNK: try copyLink(source, destination)
    default: totals.skipped.append(source)
    }
  }

  private mutating func copyDirectory(_ source: String, _ destination: String, mode: mode_t)
    throws(Failure)
  {
    guard mkdir(destination, 0o700) == 0 else { throw .write(path: destination, errno: errno) }
    for name in try Self.entries(source) {
      try copy(source + "/" + name, to: destination + "/" + name)
    }
    guard chmod(destination, mode) == 0 else { throw .write(path: destination, errno: errno) }
    try Self.sync(destination)
  }

  private mutating func copyFile(_ source: String, _ destination: String, mode: mode_t)
    throws(Failure)
  {
    let input = open(source, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
    guard input >= 0 else { throw .read(path: source, errno: errno) }
    defer { close(input) }
    // Created private and given its real mode once written, so a key is never readable
    // by others in between.
    let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard output >= 0 else { throw .write(path: destination, errno: errno) }
    defer { close(output) }
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
      if n == 0 { break }
      if n < 0 {
        if errno == EINTR { continue }
        throw .read(path: source, errno: errno)
      }
      var offset = 0
      while offset < n {
        let w = buffer[offset..<n].withUnsafeBytes { write(output, $0.baseAddress, $0.count) }
        if w < 0 {
          if errno == EINTR { continue }
          throw .write(path: destination, errno: errno)
        }
        offset += w
      }
      totals.bytes += Int64(n)
    }
    guard fchmod(output, mode) == 0, fsync(output) == 0 else {
      throw .write(path: destination, errno: errno)
    }
    totals.files += 1
  }

  private mutating func copyLink(_ source: String, _ destination: String) throws(Failure) {
    var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let n = readlink(source, &target, target.count - 1)
    guard n >= 0 else { throw .read(path: source, errno: errno) }
    target[n] = 0
    guard symlink(target, destination) == 0 else { throw .write(path: destination, errno: errno) }
    totals.files += 1
  }

  /// Names in a directory, sorted, without `.` and `..`.
  static func entries(_ path: String) throws(Failure) -> [String] {
    guard let dir = opendir(path) else { throw .read(path: path, errno: errno) }
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

  /// fsync of a directory, so the names created in it survive a crash.
  static func sync(_ directory: String) throws(Failure) {
    let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { throw .write(path: directory, errno: errno) }
    defer { close(fd) }
    guard fsync(fd) == 0 else { throw .write(path: directory, errno: errno) }
  }
}
