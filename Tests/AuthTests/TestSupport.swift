import Crypto
import Log
import PostaTestSupport
import Testing

@testable import Auth

/// An authenticator over an in-memory store, a manual clock and a capturing log, with a
/// low iteration count so tests stay fast.
struct Fixture {
  static let iterations = 64
  let hasher: PasswordHasher
  let source: InMemoryCredentialSource
  let clock: ManualAuthClock
  let sink: LogSink
  let auth: Authenticator

  init(policy: AuthPolicy = AuthPolicy(), serverNonce: (@Sendable () -> String)? = nil) throws {
    hasher = PasswordHasher(iterations: Self.iterations, threads: 2)
    source = InMemoryCredentialSource()
    clock = ManualAuthClock()
    sink = LogSink.capturing()
    auth = try Authenticator(
      source: source, hasher: hasher, logger: Logger(sink: sink, component: "test"),
      policy: policy, clock: clock, serverNonce: serverNonce)
  }

  /// Adds an account with `password` and returns its hash.
  @discardableResult
  func addAccount(
    _ address: String, id: Int64, password: String, enabled: Bool = true
  ) async throws -> PasswordHash {
    let hash = try await hasher.hash(newPassword: password)
    source.put(
      AccountCredentials(accountID: id, address: address, enabled: enabled, password: hash))
    return hash
  }

  /// Adds an app password to the account and returns it.
  func addAppPassword(
    _ address: String, id: Int64, name: String, password: String
  ) async throws {
    let account = try #require(try await source.credentials(for: address))
    let hash = try await hasher.hash(appPassword: password, sharingWith: account.password)
    source.update(login: address) {
      $0.appPasswords.append(AppPasswordCredential(id: id, name: name, hash: hash))
    }
  }

  /// Log lines with `event=NAME`.
  func events(_ name: String) -> [String] {
    sink.lines.filter { $0.contains(" event=\(name) ") || $0.hasSuffix(" event=\(name)") }
  }

  /// Runs a PLAIN exchange with an initial response.
  func plain(
    _ login: String, _ password: String, authzid: String = "", client: String = "192.0.2.1"
  ) async throws -> SASLStep {
    var session = try auth.startSASL(mechanism: "PLAIN", client: client, secure: true)
    let message = Array(authzid.utf8) + [0] + Array(login.utf8) + [0] + Array(password.utf8)
    return await session.begin(initialResponse: Base64.encode(message))
  }
}

func b64(_ s: String) -> String { Base64.encode(s.utf8) }

extension SASLStep {
  var challengeText: String? {
    if case .challenge(let bytes) = self { return String(decoding: bytes, as: UTF8.self) }
    return nil
  }

  var user: AuthenticatedUser? {
    if case .success(let user, _) = self { return user }
    return nil
  }

  var failure: AuthFailure? {
    if case .failure(let f) = self { return f }
    return nil
  }
}

extension AuthOutcome {
  var user: AuthenticatedUser? {
    if case .success(let user) = self { return user }
    return nil
  }
}
