import Storage

/// The `CredentialSource` the server uses: accounts and app passwords read from the mail
/// store on every call, in one snapshot (`MailStore.credentials(login:)`).
///
/// Reading through on every login is what makes `posta user passwd`, `posta user del`
/// and `posta app-password revoke`, run by another process, take effect at once: the
/// authenticator's cache is checked against what this returns.
public struct StoreCredentialSource: CredentialSource {
  public let store: MailStore

  public init(store: MailStore) {
    self.store = store
  }

  /// The account's credentials, or nil when there is no such account or it has no
  /// password yet (it cannot log in either way; app passwords need the account
  /// password's salt). An app password whose stored hash cannot be read is left out, so
  /// one damaged row does not lock the account out of its other passwords.
  /// - Throws: `StoreCredentialError.store` when the store cannot answer,
  ///   `.unreadablePasswordHash` when the account password's hash cannot be read.
  public func credentials(for login: String) async throws -> AccountCredentials? {
    let found: Credentials?
    do {
      found = try await store.credentials(login: login)
    } catch {
      throw StoreCredentialError.store(error)
    }
    guard let found, let bytes = found.passwordHash else { return nil }
    let password: PasswordHash
    do {
      password = try PasswordHash(storedBytes: bytes)
    } catch {
      throw StoreCredentialError.unreadablePasswordHash(account: found.account.address, error)
    }
    let apps = found.appPasswords.compactMap { app -> AppPasswordCredential? in
      guard let hash = try? PasswordHash(storedBytes: app.hash) else { return nil }
      return AppPasswordCredential(id: app.id, name: app.name, hash: hash)
    }
    return AccountCredentials(
      accountID: found.account.id.rawValue, address: found.account.address,
      enabled: found.account.enabled, password: password, appPasswords: apps)
  }

  /// Writes the time of use to the app password's row (one durable write).
  /// - Throws: `StoreCredentialError.store` when the store cannot write.
  public func recordUse(ofAppPassword id: Int64) async throws {
    do {
      try await store.recordAppPasswordUse(id)
    } catch {
      throw StoreCredentialError.store(error)
    }
  }
}

/// Why `StoreCredentialSource` could not answer; the login fails as temporary and the
/// authenticator logs this description.
public enum StoreCredentialError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The store failed (busy, closed, I/O).
  case store(StorageError)
  /// The account's password hash is not in the stored form `PasswordHash.encoded`.
  case unreadablePasswordHash(account: String, AuthError)

  public var description: String {
    switch self {
    case .store(let e): "mail store: \(e)"
    case .unreadablePasswordHash(let account, let e): "account \(account): \(e)"
    }
  }
}

extension PasswordHash {
  /// The bytes the store keeps for this hash (the opaque `passwordHash` of an account
  /// and `hash` of an app password): the UTF-8 of `encoded`, so the database column is
  /// readable text in the RFC 5803 form.
  public var storedBytes: [UInt8] { Array(encoded.utf8) }

  /// Reads bytes written from `storedBytes`.
  public init(storedBytes: [UInt8]) throws(AuthError) {
    guard let text = String(validating: storedBytes, as: UTF8.self) else {
      throw .invalidPasswordHash("stored hash is not UTF-8 text")
    }
    try self.init(encoded: text)
  }
}
