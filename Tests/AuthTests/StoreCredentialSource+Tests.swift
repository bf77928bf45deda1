import Foundation
import Glibc
import Log
import PostaTestSupport
import Storage
import Testing

@testable import Auth

/// `StoreCredentialSource` over a real `MailStore` in a temporary directory, driven
/// through `Authenticator` as the servers will use it.
@Suite struct StoreCredentialSourceTests {
  /// A store, a hasher, and an authenticator reading the store; removed by `close()`.
  struct StoreFixture {
    let directory: String
    let store: MailStore
    let hasher: PasswordHasher
    let clock = ManualAuthClock()
    let auth: Authenticator

    init() async throws {
      var template = Array((NSTemporaryDirectory() + "/posta-auth-XXXXXX").utf8CString)
      guard let p = mkdtemp(&template) else { throw POSIXError(.EIO) }
      directory = String(cString: p)
      var config = StoreConfig(dataDirectory: directory + "/data", hostedDomains: ["example.test"])
      config.minimumFreeBytes = 0
      store = try await MailStore.open(config)
      hasher = PasswordHasher(iterations: Fixture.iterations, threads: 1)
      auth = try Authenticator(
        source: StoreCredentialSource(store: store), hasher: hasher,
        logger: Logger(sink: LogSink.capturing(), component: "test"), clock: clock)
    }

    func close() async {
      hasher.shutdown()
      await store.close()
      try? FileManager.default.removeItem(atPath: directory)
    }

    /// Creates an account the way `posta user add` does.
    @discardableResult
    func addAccount(_ address: String, password: String) async throws -> Account {
      let hash = try await hasher.hash(newPassword: password)
      return try await store.createAccount(address: address, passwordHash: hash.storedBytes)
    }

    /// Adds an app password the way `posta app-password add` does.
    func addAppPassword(_ account: Account, name: String, password: String) async throws {
      let credentials = try #require(try await store.credentials(login: account.address))
      let accountHash = try PasswordHash(storedBytes: try #require(credentials.passwordHash))
      let hash = try await hasher.hash(appPassword: password, sharingWith: accountHash)
      _ = try await store.addAppPassword(account.id, name: name, hash: hash.storedBytes)
    }

    func login(_ login: String, _ password: String) async -> AuthOutcome {
      await auth.verifyPlain(login: login, password: password, client: "192.0.2.7")
    }

    /// A whole SCRAM-SHA-256 exchange; the user on success, else nil.
    func scram(_ login: String, _ password: String) async throws -> AuthenticatedUser? {
      let client = SCRAMClient(username: login, password: password, nonce: "store-nonce")
      var session = try auth.startSASL(mechanism: "SCRAM-SHA-256", client: "::1", secure: true)
      let first = await session.begin(initialResponse: b64(client.clientFirst))
      let final = try client.final(serverFirst: try #require(first.challengeText))
      return await session.respond(b64(final.message)).user
    }
  }

  /// Runs `body` with a fresh fixture and always cleans up.
  private func withFixture(_ body: (StoreFixture) async throws -> Void) async throws {
    let f = try await StoreFixture()
    do {
      try await body(f)
      await f.close()
    } catch {
      await f.close()
      throw error
    }
  }

  @Test func loginWithAccountPassword() async throws {
    try await withFixture { f in
      let account = try await f.addAccount("alice@example.test", password: "correct horse")
      let expected = AuthenticatedUser(
        accountID: account.id.rawValue, address: "alice@example.test")
      #expect(await f.login("alice@example.test", "correct horse") == .success(expected))
      // Login names compare case-insensitively, like addresses in the store.
      #expect(await f.login("Alice@Example.TEST", "correct horse") == .success(expected))
      #expect(await f.login("alice@example.test", "wrong horse") == .failure(.invalidCredentials))
      #expect(await f.login("bob@example.test", "correct horse") == .failure(.invalidCredentials))
      #expect(try await f.scram("alice@example.test", "correct horse") == expected)
    }
  }

  @Test func loginWithAppPasswordUntilRevoked() async throws {
    try await withFixture { f in
      let account = try await f.addAccount("alice@example.test", password: "account pw")
      try await f.addAppPassword(account, name: "phone", password: "app-pw-phone")
      try await f.addAppPassword(account, name: "laptop", password: "app-pw-laptop")

      let phone = try #require(await f.login("alice@example.test", "app-pw-phone").user)
      #expect(phone.accountID == account.id.rawValue)
      #expect(phone.appPassword?.name == "phone")
      #expect(phone.usedAppPassword)
      // The account password still works and is not taken for an app password.
      #expect(await f.login("alice@example.test", "account pw").user?.appPassword == nil)
      // SCRAM checks the proof against the app passwords too (they share the salt).
      #expect(
        try await f.scram("alice@example.test", "app-pw-laptop")?.appPassword?.name == "laptop")

      try await f.store.revokeAppPassword(account.id, name: "phone")
      // The verification of "app-pw-phone" is cached, but every hit is checked against
      // the store, so the revocation holds at once without telling the authenticator.
      #expect(
        await f.login("alice@example.test", "app-pw-phone") == .failure(.invalidCredentials))
      #expect(try await f.scram("alice@example.test", "app-pw-phone") == nil)
      #expect(
        await f.login("alice@example.test", "app-pw-laptop").user?.appPassword?.name == "laptop")
      #expect(await f.login("alice@example.test", "account pw").user != nil)
    }
  }

  @Test func appPasswordUseIsWrittenToTheStore() async throws {
    try await withFixture { f in
      let account = try await f.addAccount("alice@example.test", password: "account pw")
      try await f.addAppPassword(account, name: "phone", password: "app-pw-phone")
      try await f.addAppPassword(account, name: "laptop", password: "app-pw-laptop")
      func lastUsed(_ name: String) async throws -> Int64? {
        let all = try await f.store.appPasswords(account.id)
        return try #require(all.first(where: { $0.name == name })).lastUsed
      }
      #expect(try await lastUsed("phone") == nil)
      #expect(await f.login("alice@example.test", "app-pw-phone").user != nil)
      #expect(await f.login("alice@example.test", "account pw").user != nil)
      // The write runs beside the login: wait for it.
      var phone: Int64? = nil
      for _ in 0..<500 {
        phone = try await lastUsed("phone")
        if phone != nil { break }
        try await Task.sleep(for: .milliseconds(10))
      }
      #expect(phone != nil, "last use of the app password recorded")
      #expect(try await lastUsed("laptop") == nil)
    }
  }

  @Test func passwordChangeDisableAndDeleteTakeEffectAtOnce() async throws {
    try await withFixture { f in
      let account = try await f.addAccount("carol@example.test", password: "first password")
      #expect(await f.login("carol@example.test", "first password").user != nil)

      let credentials = try #require(try await f.store.credentials(login: "carol@example.test"))
      let previous = try PasswordHash(storedBytes: try #require(credentials.passwordHash))
      let next = try await f.hasher.hash(changedPassword: "second password", replacing: previous)
      try await f.store.setPassword(account.id, hash: next.storedBytes)
      #expect(
        await f.login("carol@example.test", "first password") == .failure(.invalidCredentials))
      #expect(await f.login("carol@example.test", "second password").user != nil)

      try await f.store.setEnabled(account.id, false)
      #expect(
        await f.login("carol@example.test", "second password") == .failure(.invalidCredentials))
      try await f.store.setEnabled(account.id, true)
      #expect(await f.login("carol@example.test", "second password").user != nil)

      try await f.store.deleteAccount(account.id)
      #expect(
        await f.login("carol@example.test", "second password") == .failure(.invalidCredentials))
    }
  }

  @Test func whatTheSourceReturns() async throws {
    try await withFixture { f in
      let source = StoreCredentialSource(store: f.store)
      #expect(try await source.credentials(for: "nobody@example.test") == nil)
      #expect(try await source.credentials(for: "not an address") == nil)

      // An account without a password cannot log in: no credentials.
      _ = try await f.store.createAccount(address: "nopw@example.test", passwordHash: nil)
      #expect(try await source.credentials(for: "nopw@example.test") == nil)

      let account = try await f.addAccount("dave@example.test", password: "dave's password")
      try await f.addAppPassword(account, name: "phone", password: "phone password")
      // A damaged app-password row is left out; the others still work.
      _ = try await f.store.addAppPassword(account.id, name: "broken", hash: Array("junk".utf8))
      let found = try #require(try await source.credentials(for: "dave@example.test"))
      #expect(found.accountID == account.id.rawValue)
      #expect(found.address == "dave@example.test")
      #expect(found.enabled)
      #expect(found.appPasswords.map(\.name) == ["phone"])
      #expect(found.appPasswords[0].hash.parameters == found.password.parameters)
      #expect(await f.login("dave@example.test", "phone password").user != nil)
    }
  }

  @Test func unreadableAccountHashIsAStoreFault() async throws {
    try await withFixture { f in
      let account = try await f.addAccount("erin@example.test", password: "erin password")
      try await f.store.setPassword(account.id, hash: [0xFF, 0xFE])
      let source = StoreCredentialSource(store: f.store)
      await #expect(throws: StoreCredentialError.self) {
        try await source.credentials(for: "erin@example.test")
      }
      // Not the user's failure: a temporary answer, no delay, nothing counted.
      guard case .failure(.temporary) = await f.login("erin@example.test", "erin password") else {
        Issue.record("expected a temporary failure")
        return
      }
      #expect(f.clock.sleeps.isEmpty)
    }
  }

  @Test func closedStoreIsTemporary() async throws {
    try await withFixture { f in
      try await f.addAccount("frank@example.test", password: "frank password")
      await f.store.close()
      let outcome = await f.login("frank@example.test", "frank password")
      guard case .failure(.temporary) = outcome else {
        Issue.record("expected a temporary failure, got \(outcome)")
        return
      }
    }
  }

  @Test func storedBytesRoundTrip() throws {
    let parameters = try KDFParameters(salt: Array(0..<16), iterations: 4096)
    let hash = try PasswordHash.derive(password: "pencil", parameters: parameters)
    #expect(String(decoding: hash.storedBytes, as: UTF8.self) == hash.encoded)
    #expect(try PasswordHash(storedBytes: hash.storedBytes) == hash)
    #expect(throws: AuthError.self) { try PasswordHash(storedBytes: [0xC3]) }
    #expect(throws: AuthError.self) { try PasswordHash(storedBytes: Array("SCRAM-SHA-1$x".utf8)) }
  }
}
