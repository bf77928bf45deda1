import Glibc

/// Why a message file could not be mapped.
public enum MappedFileError: Error, Sendable, Equatable, CustomStringConvertible {
  /// `open` failed; `errno` says why (ENOENT: no such file, EACCES: permission denied).
  case open(path: String, errno: Int32)
  /// `fstat` failed on the open file.
  case stat(path: String, errno: Int32)
  /// `mmap` failed (ENOMEM: address space exhausted; ENODEV: not a regular file).
  case map(path: String, errno: Int32)

  public var description: String {
    switch self {
    case .open(let path, let e): "cannot open \(path): \(String(cString: strerror(e)))"
    case .stat(let path, let e): "cannot stat \(path): \(String(cString: strerror(e)))"
    case .map(let path, let e): "cannot map \(path) into memory: \(String(cString: strerror(e)))"
    }
  }
}

/// A read-only memory mapping of a whole message file, usable as a ``ByteSource``.
///
/// The mapping lives as long as this object. The file must not be truncated while mapped
/// (reading past the new end raises SIGBUS); spool and blob files are written once, then only
/// read or replaced by rename, which is safe.
public final class MappedFile: ByteSource, @unchecked Sendable {
  // @unchecked: the mapping is PROT_READ and never changes after init, so sharing is safe.
  private let base: UnsafeRawPointer?
  /// Size of the file in bytes when it was mapped.
  public let count: Int

  /// Maps the file at `path`.
  public init(path: String) throws(MappedFileError) {
    let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { throw .open(path: path, errno: errno) }
    defer { Glibc.close(fd) }
    var st = stat()
    if fstat(fd, &st) != 0 { throw .stat(path: path, errno: errno) }
    let size = Int(st.st_size)
    count = size
    // mmap rejects a zero length; an empty message needs no mapping.
    if size == 0 {
      base = nil
      return
    }
    let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
    if p == MAP_FAILED || p == nil { throw .map(path: path, errno: errno) }
    base = UnsafeRawPointer(p)
  }

  deinit {
    if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
  }

  /// Calls `body` with the mapped bytes.
  public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try body(UnsafeRawBufferPointer(start: base, count: base == nil ? 0 : count))
  }
}
