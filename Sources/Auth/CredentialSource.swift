import Synchronization

/// Where the authenticator reads accounts: the storage layer implements this (an adapter
/// over its accounts and app-password tables), tests use `InMemoryCredentialSource`.
///
/// It is read on every login, cache hit or not, so changes made by another process (the
/// `posta user` and `app-password` commands) take effect at once.
public protocol CredentialSource: Sendable {
  /// The credentials of the account whose normalised login (see `LoginName`) is `login`,
  /// or nil when there is none. Throw only when the store cannot answer; the login then
  /// fails as temporary.
  func credentials(for login: String) async throws -> AccountCredentials?

  /// Records that app password `id` was just used to log in (what `posta app-password
  /// list` shows as last used). The authenticator calls it at most once per
  /// `AuthPolicy.appPasswordUseInterval` per password, off the login's path.
  func recordUse(ofAppPassword id: Int64) async throws
}

extension CredentialSource {
  /// Sources that keep no record of use ignore it.
  public func recordUse(ofAppPassword id: Int64) async throws {}
}

/// What the authenticator needs to know about one account.
public struct AccountCredentials: Sendable, Hashable {
  /// The store's account id.
  public var accountID: Int64
  /// The account's normalised address.
  public var address: String
  /// A disabled account cannot log in, with any password.
  public var enabled: Bool
  /// The account password's hash (stored by the store as `PasswordHash.encoded`).
  public var password: PasswordHash
  /// The account's app passwords; create them with
  /// `PasswordHasher.hash(appPassword:sharingWith:)` so SCRAM can check them.
  public var appPasswords: [AppPasswordCredential]

  public init(
    accountID: Int64, address: String, enabled: Bool = true, password: PasswordHash,
    appPasswords: [AppPasswordCredential] = []
  ) {
    self.accountID = accountID
    self.address = address
    self.enabled = enabled
    self.password = password
    self.appPasswords = appPasswords
  }
}

/// One named, individually revocable app password.
public struct AppPasswordCredential: Sendable, Hashable {
  /// The store's id for it.
  public var id: Int64
  /// The name the user gave it (`posta app-password add --name`).
  public var name: String
  /// Its hash, sharing the account password's `KDFParameters`.
  public var hash: PasswordHash

  public init(id: Int64, name: String, hash: PasswordHash) {
    self.id = id
    self.name = name
    self.hash = hash
  }
}

/// A credential source held in memory, for tests (this module's and the protocol
/// servers') until the storage adapter exists.
public final class InMemoryCredentialSource: CredentialSource {
  private let accounts = Mutex([String: AccountCredentials]())
  private let lookupCount = Atomic(0)

  public init(_ accounts: [AccountCredentials] = []) {
    for a in accounts { put(a) }
  }

  /// Adds or replaces the account stored under its (normalised) address.
  public func put(_ account: AccountCredentials) {
    let key = LoginName.normalize(account.address) ?? account.address
    accounts.withLock { $0[key] = account }
  }

  /// Removes the account with this login.
  public func remove(login: String) {
    let key = LoginName.normalize(login) ?? login
    accounts.withLock { $0[key] = nil }
  }

  /// Changes the account with this login in place; no-op if absent.
  public func update(login: String, _ change: (inout AccountCredentials) -> Void) {
    let key = LoginName.normalize(login) ?? login
    accounts.withLock { a in
      if var account = a[key] {
        change(&account)
        a[key] = account
      }
    }
  }

  private let recordedUses = Mutex([Int64]())

  /// How many lookups were made.
  public var lookups: Int { lookupCount.load(ordering: .relaxed) }

  /// The app password ids `recordUse(ofAppPassword:)` was called with, in order.
  public var appPasswordUses: [Int64] { recordedUses.withLock { $0 } }

  public func recordUse(ofAppPassword id: Int64) async throws {
    recordedUses.withLock { $0.append(id) }
  }

  public func credentials(for login: String) async throws -> AccountCredentials? {
    lookupCount.add(1, ordering: .relaxed)
    return accounts.withLock { $0[login] }
  }
}
