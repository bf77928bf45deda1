import Glibc

/// The few file-system calls the store makes (data directory, spool files, backups).
/// They run on the store's own threads or at open, never on the async pool's hot paths.
enum FileSystem {
  /// Creates `path` and its missing parents with `mode`.
  static func makeDirectories(_ path: String, mode: mode_t = 0o750) throws(StorageError) {
    var prefix = path.hasPrefix("/") ? "/" : ""
    for part in path.split(separator: "/") {
      prefix += part
      if mkdir(prefix, mode) != 0 {
        let e = errno
        if e != EEXIST { throw .io(path: prefix, errno: e, operation: "creating directory") }
      }
      prefix += "/"
    }
  }

  static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

  /// Creates the file with `mode` if it is missing, so the database and its WAL (which
  /// copy the main file's mode) are not world-readable: they hold password hashes.
  static func createPrivateFile(_ path: String, mode: mode_t = 0o600) throws(StorageError) {
    let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, mode)
    if fd < 0 { throw .io(path: path, errno: errno, operation: "creating") }
    close(fd)
  }

  /// fsyncs a file or directory (a directory sync makes a new entry durable).
  static func sync(_ path: String, directory: Bool) throws(StorageError) {
    let fd = open(path, (directory ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC)
    if fd < 0 { throw .io(path: path, errno: errno, operation: "opening") }
    defer { close(fd) }
    if fsync(fd) != 0 { throw .io(path: path, errno: errno, operation: "syncing") }
  }

  /// Bytes free to unprivileged users on the file system holding `path`.
  static func freeBytes(_ path: String) -> Int64? {
    var st = statvfs()
    guard statvfs(path, &st) == 0 else { return nil }
    return Int64(st.f_bavail) &* Int64(st.f_frsize)
  }
}

/// A file opened for reading in pieces (spool files given to `deliver`).
struct ReadOnlyFile: ~Copyable {
  let fd: Int32
  let path: String

  init(_ path: String) throws(StorageError) {
    fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { throw .io(path: path, errno: errno, operation: "opening") }
    self.path = path
  }

  deinit { close(fd) }

  /// Fills `buffer` as far as the file allows; returns the bytes read (0 at the end).
  func read(into buffer: inout [UInt8]) throws(StorageError) -> Int {
    var total = 0
    let capacity = buffer.count
    while total < capacity {
      let n = buffer.withUnsafeMutableBytes { raw in
        Glibc.read(fd, raw.baseAddress! + total, capacity - total)
      }
      if n < 0 {
        let e = errno
        if e == EINTR { continue }
        throw .io(path: path, errno: e, operation: "reading")
      }
      if n == 0 { break }
      total += n
    }
    return total
  }
}

enum Errno {
  static func describe(_ e: Int32) -> String {
    // strerror is not thread-safe; Glibc imports the XSI strerror_r (returns 0 on success).
    var buf = [CChar](repeating: 0, count: 256)
    guard strerror_r(e, &buf, buf.count) == 0 else { return "error \(e)" }
    return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}

/// `withUnsafeBytes` keeping the store's typed error (the stdlib's version rethrows
/// `any Error`).
func withBytes<T>(
  _ bytes: [UInt8], _ range: Range<Int>,
  _ body: (UnsafeRawBufferPointer) throws(StorageError) -> T
) throws(StorageError) -> T {
  let result: Result<T, StorageError> = bytes.withUnsafeBytes { raw in
    do throws(StorageError) {
      return .success(try body(UnsafeRawBufferPointer(rebasing: raw[range])))
    } catch {
      return .failure(error)
    }
  }
  return try result.get()
}
