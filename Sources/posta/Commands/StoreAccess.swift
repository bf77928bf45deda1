import Auth
import Config
import Foundation
import Log
import Storage

/// What an account command works with: the configuration, the file it came from, and the
/// mail store opened on its `data_dir`.
///
/// Commands open the store themselves, whether or not `posta serve` runs: `MailStore.open`
/// creates `data_dir` and applies migrations, and every connection waits on another
/// process's lock (busy timeout) instead of taking an exclusive one. The server reads
/// accounts, passwords and aliases through on each use, so it sees these changes at once.
struct StoreAccess: Sendable {
  let config: PostaConfig
  /// The configuration file, absolute, for hints that tell the user which file to edit.
  let configFile: String
  let store: MailStore

  /// Environment variable that overrides the PBKDF2 iteration count for new hashes.
  /// For tests only: a low count makes stolen hashes cheap to crack.
  static let iterationsVariable = "POSTA_KDF_ITERATIONS"

  /// Loads the configuration, opens the store, runs `body` and closes the store again.
  /// Storage and hashing errors thrown by `body` become one-line `CLIError`s with their
  /// sysexits code.
  static func run<T: Sendable>(
    _ inv: Invocation, _ body: (StoreAccess) async throws -> T
  ) async throws -> T {
    let config = try loadConfig(inv)
    var storeConfig = StoreConfig(
      dataDirectory: config.dataDir, hostedDomains: config.domains.map(\.name))
    storeConfig.readerThreads = 1
    // Warnings only: a command's output is its result, not the store's start-up log.
    storeConfig.logger = Logger(sink: LogSink(level: .warning), component: "store")
    let configFile = absolutePath(inv.configPath)
    let store: MailStore
    do {
      store = try await MailStore.open(storeConfig)
    } catch {
      throw cliError(error, configFile: configFile)
    }
    let access = StoreAccess(config: config, configFile: configFile, store: store)
    do {
      let result = try await body(access)
      await store.close()
      return result
    } catch {
      await store.close()
      throw access.translate(error)
    }
  }

  // MARK: - Checks shared by the commands

  /// The normalised address of an account, checked for syntax (it must be usable as a
  /// login name) and, when `declared`, for a domain declared in the configuration (for
  /// new accounts; an existing account of a domain since removed can still be managed).
  func accountAddress(_ raw: String, declared: Bool = false) throws(CLIError) -> String {
    guard let address = LoginName.normalize(raw), address == raw.lowercased() else {
      throw CLIError(.dataError, "invalid address \"\(raw)\": expected local@domain")
    }
    if declared { try requireDeclared(domain: Self.domain(of: address)) }
    return address
  }

  /// Refuses a domain the configuration does not declare, naming the file to add it to.
  func requireDeclared(domain: String) throws(CLIError) {
    guard config.domain(named: domain) == nil else { return }
    throw Self.undeclared(domain, configFile: configFile)
  }

  /// The account with this (normalised) address, or EX_NOUSER.
  func requireAccount(_ address: String) async throws -> Account {
    guard let account = try await store.account(address: address) else {
      throw CLIError(.noUser, "no account \(address)")
    }
    return account
  }

  /// A password hasher at the default iteration count, or `POSTA_KDF_ITERATIONS`.
  func makeHasher(command: String) throws(CLIError) -> PasswordHasher {
    let environment = ProcessInfo.processInfo.environment
    guard let text = environment[Self.iterationsVariable] else {
      return PasswordHasher(threads: 1)
    }
    guard let n = Int(text), n >= 1, n <= Int(Int32.max) else {
      throw CLIError(
        .config,
        "posta \(command): \(Self.iterationsVariable) must be a whole number from 1 to "
          + "\(Int32.max) (a test-only setting), got \"\(text)\"")
    }
    if n < PasswordHasher.defaultIterations {
      printError(
        "posta \(command): warning: \(Self.iterationsVariable)=\(n) is below the default "
          + "\(PasswordHasher.defaultIterations); use it for tests only")
    }
    return PasswordHasher(iterations: n, threads: 1)
  }

  static func domain(of address: String) -> String {
    guard let at = address.lastIndex(of: "@") else { return address }
    return String(address[address.index(after: at)...])
  }

  // MARK: - Errors

  /// `error` as a command's one-line error with a sysexits code.
  func translate(_ error: any Error) -> any Error {
    switch error {
    case let e as StorageError: Self.cliError(e, configFile: configFile)
    case let e as AuthError: CLIError(.software, "password hashing failed: \(e)")
    default: error
    }
  }

  static func cliError(_ e: StorageError, configFile: String) -> CLIError {
    switch e {
    case .unknownDomain(let d): undeclared(d, configFile: configFile)
    case .accountNotFound, .aliasNotFound: CLIError(.noUser, e.description)
    case .queueEntryNotFound: CLIError(.noInput, e.description)
    case .invalidAddress, .accountExists, .addressInUse, .aliasLoop, .appPasswordExists,
      .appPasswordNotFound, .invalidArgument, .schemaTooNew:
      CLIError(.dataError, e.description)
    case .busy, .diskFull: CLIError(.tempFail, e.description)
    case .io: CLIError(.cantCreate, e.description)
    case .database: CLIError(.ioError, e.description)
    default: CLIError(.software, e.description)
    }
  }

  static func undeclared(_ domain: String, configFile: String) -> CLIError {
    CLIError(
      .dataError,
      "domain \(domain) is not declared in \(configFile); add a [[domain]] table with "
        + "name = \"\(domain)\" to that file (and reload the server) first")
  }

  static func absolutePath(_ path: String) -> String {
    if path.hasPrefix("/") { return path }
    let cwd = FileManager.default.currentDirectoryPath
    return (cwd.hasSuffix("/") ? cwd : cwd + "/") + path
  }
}
