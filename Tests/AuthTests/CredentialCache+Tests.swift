import Testing

@testable import Auth

@Suite struct CredentialCacheTests {
  static let alice = AuthenticatedUser(accountID: 1, address: "alice@example.test")

  @Test func repeatLoginsSkipTheKeyDerivation() async throws {
    let f = try Fixture()
    try await f.addAccount("alice@example.test", id: 1, password: "pencil")
    let before = f.hasher.derivations
    for _ in 0..<5 {
      let outcome = await f.auth.verifyPlain(
        login: "alice@example.test", password: "pencil", client: "192.0.2.1")
      #expect(outcome == .success(Self.alice))
    }
    #expect(f.hasher.derivations == before + 1)
    // A wrong password is never answered from the cache.
    #expect(
      await f.auth.verifyPlain(
        login: "alice@example.test", password: "pencil2", client: "192.0.2.1")
        == .failure(.invalidCredentials))
    // invalidate(account:) drops the entry: the next login derives again.
    f.auth.invalidate(account: 1)
    _ = await f.auth.verifyPlain(
      login: "alice@example.test", password: "pencil", client: "192.0.2.1")
    #expect(f.hasher.derivations == before + 3)
  }

  @Test func entriesExpire() async throws {
    let f = try Fixture()
    try await f.addAccount("alice@example.test", id: 1, password: "pencil")
    let before = f.hasher.derivations
    _ = await f.auth.verifyPlain(
      login: "alice@example.test", password: "pencil", client: "192.0.2.1")
    f.clock.advance(by: AuthPolicy().cacheTTL)
    _ = await f.auth.verifyPlain(
      login: "alice@example.test", password: "pencil", client: "192.0.2.1")
    #expect(f.hasher.derivations == before + 2)
  }

  @Test func appPasswordUseIsRecordedOncePerInterval() async throws {
    let f = try Fixture()
    try await f.addAccount("alice@example.test", id: 1, password: "pencil")
    try await f.addAppPassword("alice@example.test", id: 5, name: "laptop", password: "app-laptop")
    try await f.addAppPassword("alice@example.test", id: 6, name: "phone", password: "app-phone")
    func login(_ password: String) async {
      #expect(
        await f.auth.verifyPlain(login: "alice@example.test", password: password, client: "::1")
          .user != nil)
    }
    /// Waits until `count` uses are recorded (the records are written beside the login).
    func uses(_ count: Int) async throws -> [Int64] {
      for _ in 0..<500 where f.source.appPasswordUses.count < count {
        try await Task.sleep(for: .milliseconds(10))
      }
      return f.source.appPasswordUses
    }
    await login("app-phone")
    await login("app-phone")
    await login("pencil")
    await login("app-laptop")
    #expect(try await uses(2).sorted() == [5, 6])
    f.clock.advance(by: f.auth.policy.appPasswordUseInterval - .seconds(1))
    await login("app-phone")
    try await Task.sleep(for: .milliseconds(50))
    #expect(f.source.appPasswordUses.count == 2, "within the interval: not recorded again")
    f.clock.advance(by: .seconds(2))
    await login("app-phone")
    #expect(try await uses(3).last == 6)
  }

  @Test func appPasswordLoginAndRevoke() async throws {
    let f = try Fixture()
    try await f.addAccount("alice@example.test", id: 1, password: "pencil")
    try await f.addAppPassword("alice@example.test", id: 5, name: "laptop", password: "app-laptop")
    try await f.addAppPassword("alice@example.test", id: 6, name: "phone", password: "app-phone")

    let phone = await f.auth.verifyPlain(
      login: "alice@example.test", password: "app-phone", client: "192.0.2.1")
    #expect(phone.user?.appPassword == AppPasswordRef(id: 6, name: "phone"))
    #expect(phone.user?.usedAppPassword == true)
    #expect(f.events("auth-ok").last?.contains("app-password=phone") == true)
    let account = await f.auth.verifyPlain(
      login: "alice@example.test", password: "pencil", client: "192.0.2.1")
    #expect(account == .success(Self.alice))

    // Revoke "phone" in the store, as `posta app-password revoke` in another process
    // would: the cached verification no longer counts, even before invalidate().
    f.source.update(login: "alice@example.test") { $0.appPasswords.removeAll { $0.id == 6 } }
    #expect(
      await f.auth.verifyPlain(
        login: "alice@example.test", password: "app-phone", client: "192.0.2.1")
        == .failure(.invalidCredentials))
    f.auth.invalidate(account: 1)
    #expect(
      await f.auth.verifyPlain(
        login: "alice@example.test", password: "app-phone", client: "192.0.2.1")
        == .failure(.invalidCredentials))
    // The other app password and the account password still work.
    let laptop = await f.auth.verifyPlain(
      login: "alice@example.test", password: "app-laptop", client: "192.0.2.1")
    #expect(laptop.user?.appPassword?.name == "laptop")
    #expect(
      await f.auth.verifyPlain(login: "alice@example.test", password: "pencil", client: "192.0.2.1")
        == .success(Self.alice))
  }

  @Test func passwordChangedElsewhereStopsTheOldPasswordAtOnce() async throws {
    let f = try Fixture()
    let old = try await f.addAccount("alice@example.test", id: 1, password: "old-pw")
    #expect(
      await f.auth.verifyPlain(login: "alice@example.test", password: "old-pw", client: "::1").user
        != nil)
    let new = try await f.hasher.hash(changedPassword: "new-pw", replacing: old)
    f.source.update(login: "alice@example.test") { $0.password = new }
    #expect(
      await f.auth.verifyPlain(login: "alice@example.test", password: "old-pw", client: "::1")
        == .failure(.invalidCredentials))
    #expect(
      await f.auth.verifyPlain(login: "alice@example.test", password: "new-pw", client: "::1").user
        != nil)
  }

  @Test func disabledAccountsCannotLogIn() async throws {
    let f = try Fixture()
    try await f.addAccount("alice@example.test", id: 1, password: "pencil")
    #expect(
      await f.auth.verifyPlain(login: "alice@example.test", password: "pencil", client: "::1").user
        != nil)
    f.source.update(login: "alice@example.test") { $0.enabled = false }
    #expect(
      await f.auth.verifyPlain(login: "alice@example.test", password: "pencil", client: "::1")
        == .failure(.invalidCredentials))
    #expect(f.events("auth-failed").last?.contains("reason=disabled") == true)
  }

  @Test func deletedAccountsCannotLogIn() async throws {
    let f = try Fixture()
    try await f.addAccount("alice@example.test", id: 1, password: "pencil")
    _ = await f.auth.verifyPlain(login: "alice@example.test", password: "pencil", client: "::1")
    f.source.remove(login: "alice@example.test")
    #expect(
      await f.auth.verifyPlain(login: "alice@example.test", password: "pencil", client: "::1")
        == .failure(.invalidCredentials))
  }

  @Test func concurrentLoginsAllComplete() async throws {
    let f = try Fixture()
    for i in 1...8 {
      try await f.addAccount("u\(i)@example.test", id: Int64(i), password: "pw\(i)")
    }
    let auth = f.auth
    let results = await withTaskGroup(of: Bool.self) { group in
      for n in 0..<64 {
        let i = n % 8 + 1
        group.addTask {
          let outcome = await auth.verifyPlain(
            login: "u\(i)@example.test", password: "pw\(i)", client: "192.0.2.\(i)")
          return outcome.user?.accountID == Int64(i)
        }
      }
      return await group.reduce(into: [Bool]()) { $0.append($1) }
    }
    #expect(results.count == 64)
    #expect(results.allSatisfy { $0 })
  }

  @Test func capacityIsBounded() {
    let cache = CredentialCache(secret: [1, 2, 3], ttl: .seconds(60), capacity: 10)
    for i in 0..<25 {
      let key = cache.key(login: "u\(i)@example.test", password: Array("pw".utf8))
      cache.insert(key, accountID: Int64(i), appPasswordID: nil, storedKey: [], now: .seconds(i))
    }
    #expect(cache.count <= 10)
    // The newest entry is kept.
    let newest = cache.key(login: "u24@example.test", password: Array("pw".utf8))
    #expect(cache.lookup(newest, now: .seconds(25))?.accountID == 24)
  }
}
