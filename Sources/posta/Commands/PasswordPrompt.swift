import Glibc

/// Reads a new password for `posta user add` and `posta user passwd`, never from argv
/// (the process list and shell history would show it).
///
/// On a terminal it asks twice without echo; otherwise (or with `--password-stdin`) it
/// reads standard input to its end and strips one trailing LF or CRLF, so both
/// `echo secret | posta ...` and `printf %s secret | posta ...` set `secret`.
enum PasswordPrompt {
  /// Longest password accepted, in bytes.
  static let maxLength = 1024

  /// The new password for `address`, checked (non-empty, UTF-8, no NUL/CR/LF); a weak one
  /// is accepted with a warning on stderr.
  static func newPassword(for address: String, fromStdin: Bool, command: String)
    throws(CLIError) -> String
  {
    let password: [UInt8]
    if fromStdin || isatty(0) == 0 {
      password = try readStandardInput()
    } else {
      let first = try readHidden(prompt: "New password for \(address): ")
      let second = try readHidden(prompt: "Retype the password: ")
      guard first == second else { throw CLIError(.dataError, "the passwords do not match") }
      password = first
    }
    let text = try check(password)
    if let why = weakness(text) {
      printError("posta \(command): warning: weak password (\(why)); set anyway")
    }
    return text
  }

  /// The password as text, or why it cannot be one.
  static func check(_ bytes: [UInt8]) throws(CLIError) -> String {
    guard !bytes.isEmpty else {
      throw CLIError(
        .dataError, "empty password (give it on standard input, or run on a terminal)")
    }
    guard bytes.count <= maxLength else {
      throw CLIError(.dataError, "password longer than \(maxLength) bytes")
    }
    // SASL PLAIN separates fields with NUL and POP3/IMAP commands end at CRLF: a
    // password holding one of these could never be typed into a mail client.
    guard !bytes.contains(where: { $0 == 0 || $0 == 10 || $0 == 13 }) else {
      throw CLIError(.dataError, "the password contains a NUL, CR or LF character")
    }
    guard let text = String(validating: bytes, as: UTF8.self) else {
      throw CLIError(.dataError, "the password is not valid UTF-8")
    }
    return text
  }

  /// Why `password` is weak (shorter than 8 characters, or of one character class only),
  /// or nil.
  static func weakness(_ password: String) -> String? {
    if password.count < 8 { return "shorter than 8 characters" }
    var classes = Set<Int>()
    for c in password {
      classes.insert(c.isLowercase ? 0 : c.isUppercase ? 1 : c.isNumber ? 2 : 3)
    }
    return classes.count == 1 ? "only one kind of character" : nil
  }

  /// Standard input to its end, minus one trailing LF or CRLF.
  static func readStandardInput() throws(CLIError) -> [UInt8] {
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while out.count <= maxLength + 2 {
      let n = buffer.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress, $0.count) }
      if n == 0 { break }
      if n < 0 {
        let e = errno
        if e == EINTR { continue }
        throw CLIError(.ioError, "reading the password from standard input: errno \(e)")
      }
      out += buffer[0..<n]
    }
    if out.last == 10 {
      out.removeLast()
      if out.last == 13 { out.removeLast() }
    }
    return out
  }

  /// One line typed on the terminal on standard input, with echo off.
  ///
  /// The terminal is put in non-canonical mode without signals, so that Ctrl-C is read
  /// as a byte and cancels after the terminal settings are restored; a SIGINT would end
  /// the process with echo still off.
  static func readHidden(prompt: String) throws(CLIError) -> [UInt8] {
    var saved = termios()
    guard tcgetattr(0, &saved) == 0 else {
      throw CLIError(.ioError, "cannot read the terminal settings (errno \(errno))")
    }
    var raw = saved
    raw.c_lflag &= ~tcflag_t(ECHO | ICANON | ISIG)
    withUnsafeMutableBytes(of: &raw.c_cc) { cc in
      cc[Int(VMIN)] = 1
      cc[Int(VTIME)] = 0
    }
    guard tcsetattr(0, TCSAFLUSH, &raw) == 0 else {
      throw CLIError(.ioError, "cannot turn off echo on the terminal (errno \(errno))")
    }
    // Only now: TCSAFLUSH drops what was typed before echo went off.
    writeError(prompt)
    defer {
      tcsetattr(0, TCSAFLUSH, &saved)
      writeError("\n")
    }
    var line: [UInt8] = []
    while true {
      var byte: UInt8 = 0
      let n = Glibc.read(0, &byte, 1)
      if n < 0 && errno == EINTR { continue }
      if n <= 0 { throw CLIError(.failure, "no password given (end of input)") }
      switch byte {
      case 10, 13:
        return line
      case 3:
        throw CLIError(.failure, "cancelled")
      case 4:
        if line.isEmpty { throw CLIError(.failure, "cancelled") }
      case 8, 127:
        // Erase one character: UTF-8 continuation bytes, then the lead byte.
        while let last = line.last, last & 0xC0 == 0x80 { line.removeLast() }
        if !line.isEmpty { line.removeLast() }
      case 21:
        line.removeAll()
      default:
        if line.count <= maxLength { line.append(byte) }
      }
    }
  }

  /// Writes `s` to stderr as is (a prompt has no newline).
  private static func writeError(_ s: String) {
    let bytes = Array(s.utf8)
    var off = 0
    while off < bytes.count {
      let n = bytes[off...].withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
      if n < 0 && errno == EINTR { continue }
      if n <= 0 { return }
      off += n
    }
  }
}
