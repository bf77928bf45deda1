import Dispatch
import Glibc
import Synchronization

/// Why a spool file could not be written.
enum SpoolError: Error, Sendable, Equatable, CustomStringConvertible {
  /// No space left (ENOSPC, EDQUOT): the message gets `452 4.3.1`.
  case diskFull(path: String)
  /// Any other failure of a file-system call: `451 4.3.0`.
  case io(path: String, operation: String, errno: Int32)

  var description: String {
    switch self {
    case .diskFull(let path): "no space left for spool file \(path)"
    case .io(let path, let operation, let e):
      "\(operation) \(path): \(String(cString: strerror(e))) (errno \(e))"
    }
  }

  static func from(errno e: Int32, path: String, operation: String) -> SpoolError {
    e == ENOSPC || e == EDQUOT
      ? .diskFull(path: path) : .io(path: path, operation: operation, errno: e)
  }
}

/// The spool directory (`data_dir/spool`): where messages too large for memory are written
/// while they arrive, before the store takes them.
///
/// The files are scratch space, not a queue: the store's `deliver` is the durable step, so
/// nothing here is fsync'd, a file is removed once its message is stored or refused, and
/// whatever a crash left behind is removed at start. File I/O runs on a Dispatch queue,
/// never on the cooperative pool (DESIGN.md: no file I/O on the async threads).
final class SpoolDirectory: Sendable {
  let path: String
  private let queue = DispatchQueue(label: "posta.smtp.spool", attributes: .concurrent)
  private let counter = Atomic<UInt64>(0)
  private let prefix: String

  init(path: String) {
    self.path = path
    var rng = SystemRandomNumberGenerator()
    prefix = String(rng.next() as UInt64, radix: 36)
  }

  /// Creates the directory if missing and removes every file left in it (by a crash or a
  /// kill: their messages were never acknowledged). Call before serving.
  /// - Returns: how many files were removed.
  @discardableResult
  func prepare() throws(SpoolError) -> Int {
    var prefix = path.hasPrefix("/") ? "/" : ""
    for part in path.split(separator: "/") {
      prefix += part
      if mkdir(prefix, 0o700) != 0 {
        let e = errno
        if e != EEXIST { throw .io(path: prefix, operation: "creating directory", errno: e) }
      }
      prefix += "/"
    }
    guard let dir = opendir(path) else {
      throw .io(path: path, operation: "opening directory", errno: errno)
    }
    defer { closedir(dir) }
    var removed = 0
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
      }
      guard name != ".", name != ".." else { continue }
      if unlink(path + "/" + name) == 0 { removed += 1 }
    }
    return removed
  }

  /// Runs `body` on the spool's threads.
  func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { c in
      queue.async { c.resume(returning: body()) }
    }
  }

  /// Creates a new, empty spool file (mode 0600) and returns it open for writing.
  func create() async throws(SpoolError) -> SpoolFile {
    let n = counter.add(1, ordering: .relaxed).newValue
    let file = path + "/" + prefix + "-" + String(n) + ".eml"
    let result = await run { () -> Result<Int32, SpoolError> in
      let fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
      if fd < 0 { return .failure(.from(errno: errno, path: file, operation: "creating")) }
      return .success(fd)
    }
    return SpoolFile(path: file, fd: try result.get(), directory: self)
  }

  /// Removes `file`; a missing file is not an error.
  func remove(_ file: String) async {
    await run { _ = unlink(file) }
  }
}

/// One spool file open for appending. Owned by one session task.
final class SpoolFile: Sendable {
  let path: String
  private let fd: Int32
  private let directory: SpoolDirectory
  private let isClosed = Atomic(false)

  init(path: String, fd: Int32, directory: SpoolDirectory) {
    self.path = path
    self.fd = fd
    self.directory = directory
  }

  deinit {
    if !isClosed.load(ordering: .relaxed) { Glibc.close(fd) }
  }

  /// Appends all of `bytes`.
  func write(_ bytes: [UInt8]) async throws(SpoolError) {
    guard !bytes.isEmpty else { return }
    let fd = self.fd
    let path = self.path
    let result = await directory.run { Self.writeAll(fd, bytes, path: path) }
    if let result { throw result }
  }

  /// Fills this (new, empty) file with the file at `source`, `insert` placed at byte
  /// `offset`, copying in pieces on the spool's threads so a large message is never
  /// whole in memory. Closes this file when done.
  func copy(from source: String, inserting insert: [UInt8], at offset: Int)
    async throws(SpoolError)
  {
    let fd = self.fd
    let path = self.path
    let result = await directory.run { () -> SpoolError? in
      let input = open(source, O_RDONLY | O_CLOEXEC)
      if input < 0 { return .from(errno: errno, path: source, operation: "opening") }
      defer { Glibc.close(input) }
      var buffer = [UInt8](repeating: 0, count: 256 * 1024)
      var copied = 0
      var inserted = false
      while true {
        if !inserted && copied == offset {
          if let e = Self.writeAll(fd, insert, path: path) { return e }
          inserted = true
        }
        let want = inserted ? buffer.count : min(buffer.count, offset - copied)
        let n = buffer.withUnsafeMutableBytes { Glibc.read(input, $0.baseAddress!, want) }
        if n < 0 {
          if errno == EINTR { continue }
          return .from(errno: errno, path: source, operation: "reading")
        }
        if n == 0 { break }
        if let e = Self.writeAll(fd, Array(buffer[..<n]), path: path) { return e }
        copied += n
      }
      // A source shorter than `offset` still gets the fields, at its end.
      if !inserted, let e = Self.writeAll(fd, insert, path: path) { return e }
      return nil
    }
    close()
    if let result { throw result }
  }

  /// Writes all of `bytes` to `fd`; the error, if any.
  private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) -> SpoolError? {
    bytes.withUnsafeBytes { raw -> SpoolError? in
      var done = 0
      while done < raw.count {
        let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
        if n < 0 {
          let e = errno
          if e == EINTR { continue }
          return .from(errno: e, path: path, operation: "writing")
        }
        done += n
      }
      return nil
    }
  }

  /// Closes the descriptor (the file stays until `remove`).
  func close() {
    if !isClosed.exchange(true, ordering: .relaxed) { Glibc.close(fd) }
  }

  /// Closes and deletes the file.
  func remove() async {
    close()
    await directory.remove(path)
  }
}
