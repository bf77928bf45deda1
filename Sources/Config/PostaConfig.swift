// The Config module owns Posta's configuration file: a small TOML-subset parser whose errors
// name file, line and key; the schema (`ConfigSchema`), where every key is declared once with
// its type, default and doc; and the typed, validated result (`PostaConfig`).
//
// Invariants of a `PostaConfig` returned by `load` or `parse`: every path is absolute and
// normalised (relative ones are taken from the config file's directory, never the working
// directory); host and domain names are lower case and valid; there is at least one domain
// and no domain twice; no listen address is used twice. Loading touches the file system only to
// read the file: `data_dir`, certificates and the smarthost's files need not exist yet. Files
// that are read later (the smarthost's password and CA files, as `FileReference`s) are checked
// on request by `checkReferencedFiles` and `smarthostPassword`, with `file:line` errors.
import Log

/// Posta's whole configuration, read from `etc/posta.conf` (see `ConfigSchema` for the keys).
public struct PostaConfig: Sendable, Equatable {
  /// The server's own name for greetings and EHLO, lower case.
  public var hostname: String
  /// Absolute path of the data directory.
  public var dataDir: String
  public var logLevel: LogLevel
  public var listen: ListenConfig
  /// Configured certificates; empty means a self-signed one under `tlsDirectory`.
  public var certificates: [CertificateConfig]
  /// Hosted domains in file order; never empty after validation.
  public var domains: [DomainConfig]
  public var limits: LimitsConfig
  public var smtp: SMTPConfig
  public var dns: DNSConfig
  public var delivery: DeliveryConfig
  public var dkim: DKIMConfig

  /// Where the self-signed certificate is kept: `data_dir/tls`.
  public var tlsDirectory: String { dataDir == "/" ? "/tls" : dataDir + "/tls" }

  /// `hostname`, then each domain's SMTP, POP3 and IMAP host names, without repeats, in
  /// that order: the names the server answers to (certificate names, SNI).
  public var hostNames: [String] {
    var seen: Set<String> = []
    return ([hostname] + domains.flatMap(\.hostNames)).filter { seen.insert($0).inserted }
  }

  /// The domain a connection belongs to, from the host name it asked for (SNI): the first
  /// domain with that SMTP, POP3 or IMAP host name, else the domain of that name. Case and
  /// a trailing dot are ignored. Nil for `hostname` and unknown names.
  public func domain(forHost host: String) -> DomainConfig? {
    let wanted = Self.canonical(host)
    return domains.first { $0.hostNames.contains(wanted) } ?? domain(named: wanted)
  }

  /// The domain of that name (case and a trailing dot ignored), if it is hosted here.
  public func domain(named name: String) -> DomainConfig? {
    let wanted = Self.canonical(name)
    return domains.first { $0.name == wanted }
  }

  private static func canonical(_ name: String) -> String {
    let lower = name.lowercased()
    return lower.hasSuffix(".") ? String(lower.dropLast()) : lower
  }

  static let unset = PostaConfig(
    hostname: "", dataDir: "/", logLevel: .info, listen: .unset, certificates: [],
    domains: [], limits: .unset, smtp: .unset, dns: .unset, delivery: .unset,
    dkim: .unset)
}

extension PostaConfig {
  /// Reads and validates the file at `path`. Relative paths inside it are taken from the
  /// file's own directory. Errors name the file as `path` was given.
  public static func load(path: String) throws(ConfigErrors) -> PostaConfig {
    let absolute = FilePath.resolve(path, against: FilePath.currentDirectory())
    let bytes: [UInt8]
    switch FilePath.read(absolute) {
    case .success(let contents): bytes = contents
    case .failure(let error):
      throw ConfigErrors([
        ConfigError(
          file: path, line: nil, message: "cannot read the configuration file: \(error.message)")
      ])
    }
    var problems: [Problem] = []
    var lineNumber = 1
    for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
      if String(validating: line, as: UTF8.self) == nil {
        problems.append(Problem(line: lineNumber, message: "the line is not valid UTF-8"))
      }
      lineNumber += 1
    }
    if !problems.isEmpty { throw errors(problems, file: path) }
    return try parse(
      bytes: bytes, file: path, directory: FilePath.directory(of: absolute),
      systemHostName: FilePath.systemHostName())
  }

  /// Parses and validates configuration text as if read from `file` in `directory` (which
  /// relative paths are taken from; a relative `directory` is taken from the working
  /// directory). `file` only names the text in errors.
  public static func parse(text: String, file: String, directory: String) throws(ConfigErrors)
    -> PostaConfig
  {
    try parse(
      text: text, file: file, directory: directory, systemHostName: FilePath.systemHostName())
  }

  /// `parse(text:file:directory:)` with the machine's host name given, for tests.
  static func parse(
    text: String, file: String, directory: String, systemHostName: String
  ) throws(ConfigErrors) -> PostaConfig {
    let absolute = FilePath.resolve(directory, against: FilePath.currentDirectory())
    return try parse(
      bytes: Array(text.utf8), file: file, directory: absolute, systemHostName: systemHostName)
  }

  private static func parse(
    bytes: [UInt8], file: String, directory: String, systemHostName: String
  ) throws(ConfigErrors) -> PostaConfig {
    let (root, syntaxProblems) = TOMLParser.parse(bytes)
    let context = DecodeContext(directory: directory, systemHostName: systemHostName)
    var (config, problems) = ConfigDecoder.decode(root, context: context)
    if !syntaxProblems.isEmpty { problems.removeAll(where: \.isConsequential) }
    problems = syntaxProblems + problems
    if !problems.isEmpty { throw errors(problems, file: file) }
    return config
  }

  /// Problems in line order (those without a line last), duplicates dropped.
  private static func errors(_ problems: [Problem], file: String) -> ConfigErrors {
    var seen: Set<String> = []
    let ordered = problems.enumerated().sorted { a, b in
      let lineA = a.element.line ?? Int.max
      let lineB = b.element.line ?? Int.max
      return lineA != lineB ? lineA < lineB : a.offset < b.offset
    }
    let unique = ordered.map(\.element).filter {
      seen.insert("\($0.line ?? 0) \($0.message)").inserted
    }
    var shown = unique.prefix(TOMLParser.maxProblems).map {
      ConfigError(file: file, line: $0.line, message: $0.message)
    }
    if unique.count > shown.count {
      shown.append(
        ConfigError(
          file: file, line: nil,
          message:
            "\(unique.count - shown.count) more error\(unique.count - shown.count == 1 ? "" : "s") not shown"
        ))
    }
    return ConfigErrors(shown)
  }
}
