import Glibc
import Net

/// The parts of resolv.conf(5) a mail server's resolver uses: `nameserver`
/// lines and the `timeout:`/`attempts:` options. `search` and `domain` are
/// ignored on purpose: mail domains are always fully qualified.
public struct ResolvConf: Sendable, Equatable {
  /// The servers in file order, port 53.
  public var nameservers: [SocketAddress] = []
  /// `options timeout:N` (seconds, capped at 30 as the C library does).
  public var timeout: Duration?
  /// `options attempts:N` (capped at 5 as the C library does).
  public var attempts: Int?

  public init() {}

  /// Parses resolv.conf text. Never fails: unusable lines are skipped, as the
  /// C library skips them. A scoped IPv6 address (`fe80::1%eth0`) is skipped
  /// too, because a socket address here carries no scope.
  public static func parse(_ text: String) -> ResolvConf {
    var conf = ResolvConf()
    for rawLine in text.split(whereSeparator: { $0 == "\n" }) {
      var line = Substring(rawLine)
      if let c = line.firstIndex(where: { $0 == "#" || $0 == ";" }) { line = line[..<c] }
      let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
      guard let keyword = words.first else { continue }
      switch keyword {
      case "nameserver":
        guard words.count >= 2, !words[1].contains("%"),
          let ip = SocketAddress.parseIP(String(words[1])), words[1] != "localhost"
        else { continue }
        conf.nameservers.append(try! SocketAddress(bytes: ip, port: 53))
      case "options":
        for option in words.dropFirst() {
          if option.hasPrefix("timeout:"), let n = Int(option.dropFirst(8)), n >= 0 {
            conf.timeout = .seconds(min(max(n, 1), 30))
          } else if option.hasPrefix("attempts:"), let n = Int(option.dropFirst(9)), n >= 0 {
            conf.attempts = min(max(n, 1), 5)
          }
        }
      default:
        continue
      }
    }
    return conf
  }

  /// Reads and parses the file at `path` (at most 64 KiB).
  /// - Throws: `DNSError.invalidConfiguration` if it cannot be read.
  public static func read(path: String) throws(DNSError) -> ResolvConf {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 {
      let e = errno
      throw .invalidConfiguration("cannot open \(path): \(SystemError(call: "open", errno: e))")
    }
    defer { close(fd) }
    var data: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while data.count < 65536 {
      let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      if n < 0 {
        let e = errno
        if e == EINTR { continue }
        throw .invalidConfiguration(
          "cannot read \(path): \(SystemError(call: "read", errno: e))")
      }
      if n == 0 { break }
      data += chunk[..<n]
    }
    return parse(String(decoding: data, as: UTF8.self))
  }
}
