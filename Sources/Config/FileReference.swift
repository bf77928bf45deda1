import Glibc

/// A file the configuration names but `load` does not open (a password file, a CA bundle):
/// its absolute path, and the line that names it so later problems can point there.
public struct FileReference: Sendable, Equatable {
  /// Absolute and normalised, like every path in a `PostaConfig`.
  public var path: String
  /// The line of the configuration file that names it.
  public var line: Int?

  public init(path: String, line: Int?) {
    self.path = path
    self.line = line
  }
}

/// Reading the files `FileReference`s point at, with the checks a secret deserves.
enum ReferencedFile {
  /// A secret is one short line; more means the wrong file.
  static let maxSecretSize = 4096

  /// The secret held in `path`: its first line without the line break. The file must be a
  /// regular file that neither group nor others may read or write, since whoever can read it
  /// can relay mail as this server's account.
  static func readSecret(_ path: String) -> Result<String, ValueError> {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
      return .failure(ValueError("cannot read \(path): \(String(cString: strerror(errno)))"))
    }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
      return .failure(ValueError("cannot read \(path): \(String(cString: strerror(errno)))"))
    }
    guard info.st_mode & 0o170_000 == 0o100_000 else {
      return .failure(ValueError("\(path) is not a regular file"))
    }
    // Group read stays allowed: root-owned, group-readable (0640) is how a secret is
    // usually handed to a service account, and how container secrets arrive.
    let mode = info.st_mode & 0o777
    guard mode & 0o027 == 0 else {
      return .failure(
        ValueError(
          "\(path) may be read by others or written by group or others (mode "
            + "\(octal(mode))); run chmod 600 \(path)"))
    }
    let bytes: [UInt8]
    // Read through the descriptor just checked, so a file swapped in meanwhile is not read.
    switch FilePath.read(fd: fd) {
    case .success(let contents): bytes = contents
    case .failure(let error): return .failure(ValueError("cannot read \(path): \(error.message)"))
    }
    guard bytes.count <= maxSecretSize else {
      return .failure(
        ValueError("\(path) is larger than \(maxSecretSize) bytes; is it the right file?"))
    }
    var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    if lines.last?.isEmpty == true { lines.removeLast() }
    guard lines.count == 1, var line = lines.first else {
      return .failure(
        ValueError(
          lines.isEmpty
            ? "\(path) is empty; write the password in it"
            : "\(path) has \(lines.count) lines; write only the password, on one line"))
    }
    if line.last == UInt8(ascii: "\r") { line.removeLast() }
    guard !line.isEmpty else { return .failure(ValueError("\(path) holds an empty password")) }
    guard !line.contains(0), let text = String(validating: line, as: UTF8.self) else {
      return .failure(ValueError("\(path) is not UTF-8 text"))
    }
    return .success(text)
  }

  /// Whether `path` can be read and holds at least one PEM certificate. The TLS layer parses
  /// them when delivery starts; this catches the wrong file or a typo in the path early.
  static func checkCertificates(_ path: String) -> Result<Void, ValueError> {
    switch FilePath.read(path) {
    case .failure(let error):
      return .failure(ValueError("cannot read \(path): \(error.message)"))
    case .success(let bytes):
      let marker = Array("-----BEGIN CERTIFICATE-----".utf8)
      let found =
        bytes.count >= marker.count
        && (0...(bytes.count - marker.count)).contains {
          bytes[$0..<$0 + marker.count].elementsEqual(marker)
        }
      return found
        ? .success(())
        : .failure(ValueError("\(path) holds no PEM certificate (-----BEGIN CERTIFICATE-----)"))
    }
  }

  private static func octal(_ mode: mode_t) -> String {
    let digits = String(mode, radix: 8)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
  }
}

extension PostaConfig {
  /// The smarthost's password, read from `[delivery.smarthost] password_file`; nil when no
  /// smarthost or no AUTH is configured. `file` names the configuration in errors.
  /// - Throws: `ConfigErrors` with one `file:line: message` saying what is wrong with the file.
  public func smarthostPassword(file: String) throws(ConfigErrors) -> String? {
    guard let reference = delivery.smarthost?.passwordFile else { return nil }
    switch ReferencedFile.readSecret(reference.path) {
    case .success(let password): return password
    case .failure(let error):
      throw ConfigErrors([
        ConfigError(
          file: file, line: reference.line,
          message: "[delivery.smarthost] password_file: \(error.message)")
      ])
    }
  }

  /// Problems with the files the configuration names but `load` leaves alone (the
  /// smarthost's `password_file` and `ca_file`), as `check-config` reports them; empty when
  /// they are fine. Never includes a secret.
  public func checkReferencedFiles(file: String) -> [ConfigError] {
    var errors: [ConfigError] = []
    do throws(ConfigErrors) {
      _ = try smarthostPassword(file: file)
    } catch {
      errors += error.errors
    }
    if let ca = delivery.smarthost?.caFile,
      case .failure(let error) = ReferencedFile.checkCertificates(ca.path)
    {
      errors.append(
        ConfigError(
          file: file, line: ca.line, message: "[delivery.smarthost] ca_file: \(error.message)"))
    }
    return errors
  }
}
