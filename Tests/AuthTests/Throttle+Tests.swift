import Testing

@testable import Auth

@Suite struct ThrottleTests {
  static let alice = AuthenticatedUser(accountID: 1, address: "alice@example.test")
  static let attacker = "192.0.2.66"

  private func fixture() async throws -> Fixture {
    let f = try Fixture()
    try await f.addAccount("alice@example.test", id: 1, password: "pencil")
    return f
  }

  @Test func delayScheduleDoublesUpToTheCap() {
    let policy = ThrottlePolicy()
    let delays = (1...7).map { policy.delay(afterFailures: $0) }
    #expect(
      delays == [
        .milliseconds(500), .seconds(1), .seconds(2), .seconds(3), .seconds(3), .seconds(3),
        .seconds(3),
      ])
    #expect(policy.delay(afterFailures: 10_000) == .seconds(3))
  }

  @Test func failuresWaitLongerEachTime() async throws {
    let f = try await fixture()
    for _ in 0..<5 {
      let outcome = await f.auth.verifyPlain(
        login: "alice@example.test", password: "wrong", client: Self.attacker)
      #expect(outcome == .failure(.invalidCredentials))
    }
    #expect(
      f.clock.sleeps == [
        .milliseconds(500), .seconds(1), .seconds(2), .seconds(3), .seconds(3),
      ])
  }

  @Test func failureLogLineIsStableAndHoldsNoPassword() async throws {
    let f = try await fixture()
    _ = await f.auth.verifyPlain(
      login: "Alice@Example.test", password: "hunter2-secret", client: Self.attacker,
      mechanism: "USER")
    let line = try #require(f.events("auth-failed").first)
    #expect(
      line.hasSuffix(
        "event=auth-failed client=192.0.2.66 login=alice@example.test mech=USER reason=bad-password"
      ))
    #expect(f.sink.lines.allSatisfy { !$0.contains("hunter2") })
  }

  @Test func lockoutAfterTenFailuresEvenWithTheRightPassword() async throws {
    let f = try await fixture()
    for _ in 0..<10 {
      _ = await f.auth.verifyPlain(
        login: "alice@example.test", password: "wrong", client: Self.attacker)
    }
    #expect(f.events("auth-lockout").count == 1)
    #expect(f.events("auth-lockout").first?.contains("scope=account") == true)

    // The right password now fails the same way, after the longest delay: no oracle.
    let derivations = f.hasher.derivations
    let locked = await f.auth.verifyPlain(
      login: "alice@example.test", password: "pencil", client: Self.attacker)
    #expect(locked == .failure(.invalidCredentials))
    #expect(f.clock.sleeps.last == .seconds(3))
    #expect(f.events("auth-failed").last?.contains("reason=locked-account") == true)
    #expect(f.hasher.derivations == derivations)  // refused without checking

    // Other clients are not locked out of the account.
    let elsewhere = await f.auth.verifyPlain(
      login: "alice@example.test", password: "pencil", client: "198.51.100.7")
    #expect(elsewhere == .success(Self.alice))

    // The lockout ends.
    f.clock.advance(by: ThrottlePolicy().lockoutDuration)
    let later = await f.auth.verifyPlain(
      login: "alice@example.test", password: "pencil", client: Self.attacker)
    #expect(later == .success(Self.alice))
  }

  @Test func lockoutAlsoStopsSASL() async throws {
    let f = try await fixture()
    for _ in 0..<10 {
      _ = try await f.plain("alice@example.test", "wrong", client: Self.attacker)
    }
    #expect(
      try await f.plain("alice@example.test", "pencil", client: Self.attacker)
        == .failure(.invalidCredentials))
    #expect(
      try await f.plain("alice@example.test", "pencil", client: "198.51.100.7").user == Self.alice)
  }

  @Test func successForgetsThePairsFailures() async throws {
    let f = try await fixture()
    for _ in 0..<9 {
      _ = await f.auth.verifyPlain(
        login: "alice@example.test", password: "wrong", client: Self.attacker)
    }
    #expect(
      await f.auth.verifyPlain(
        login: "alice@example.test", password: "pencil", client: Self.attacker
      ).user != nil)
    for _ in 0..<9 {
      _ = await f.auth.verifyPlain(
        login: "alice@example.test", password: "wrong", client: Self.attacker)
    }
    #expect(f.events("auth-lockout").isEmpty)
    #expect(
      await f.auth.verifyPlain(
        login: "alice@example.test", password: "pencil", client: Self.attacker
      ).user != nil)
  }

  @Test func failuresAreForgottenAfterAWhile() async throws {
    let f = try await fixture()
    for _ in 0..<9 {
      _ = await f.auth.verifyPlain(
        login: "alice@example.test", password: "wrong", client: Self.attacker)
    }
    f.clock.advance(by: ThrottlePolicy().failureMemory)
    _ = await f.auth.verifyPlain(
      login: "alice@example.test", password: "wrong", client: Self.attacker)
    #expect(f.clock.sleeps.last == .milliseconds(500))
    #expect(f.events("auth-lockout").isEmpty)
  }

  @Test func clientLockoutAcrossAccountsSparesOtherClients() async throws {
    let f = try await fixture()
    for i in 0..<50 {
      _ = await f.auth.verifyPlain(
        login: "user\(i)@example.test", password: "guess", client: Self.attacker)
    }
    let lockouts = f.events("auth-lockout")
    #expect(lockouts.count == 1)
    #expect(lockouts.first?.contains("scope=client") == true)
    #expect(lockouts.first?.contains("login=*") == true)

    // Locked out of every account, the right password included...
    let locked = await f.auth.verifyPlain(
      login: "alice@example.test", password: "pencil", client: Self.attacker)
    #expect(locked == .failure(.invalidCredentials))
    #expect(f.events("auth-failed").last?.contains("reason=locked-client") == true)
    // ...while another client logs in at once.
    let sleepsBefore = f.clock.sleeps.count
    let other = await f.auth.verifyPlain(
      login: "alice@example.test", password: "pencil", client: "198.51.100.7")
    #expect(other == .success(Self.alice))
    #expect(f.clock.sleeps.count == sleepsBefore)
  }

  @Test func ipv6ClientsAreCountedPerSlash64() async throws {
    let f = try await fixture()
    _ = await f.auth.verifyPlain(
      login: "alice@example.test", password: "x", client: "2001:db8:1:2::1")
    _ = await f.auth.verifyPlain(
      login: "alice@example.test", password: "x", client: "2001:db8:1:2::99")
    _ = await f.auth.verifyPlain(
      login: "alice@example.test", password: "x", client: "2001:db8:1:3::1")
    #expect(f.clock.sleeps == [.milliseconds(500), .seconds(1), .milliseconds(500)])
  }

  @Test func malformedLoginIsTreatedLikeAnUnknownAccount() async throws {
    let unknown = try await fixture()
    let malformed = try await fixture()
    for _ in 0..<11 {
      let a = await unknown.auth.verifyPlain(
        login: "nobody@example.test", password: "pencil", client: Self.attacker)
      let b = await malformed.auth.verifyPlain(
        login: "not an address", password: "pencil", client: Self.attacker)
      #expect(a == .failure(.invalidCredentials))
      #expect(a == b)
    }
    #expect(unknown.clock.sleeps == malformed.clock.sleeps)
    // Both were counted to a lockout at the tenth failure.
    #expect(unknown.events("auth-lockout").count == 1)
    #expect(malformed.events("auth-lockout").count == 1)
    #expect(malformed.events("auth-failed").first?.contains("reason=invalid-login-name") == true)
  }

  @Test func malformedLoginViaSASLIsTreatedLikeAnUnknownAccount() async throws {
    let f = try await fixture()
    let a = try await f.plain("nobody@example.test", "pencil", client: "192.0.2.10")
    let b = try await f.plain("@@@", "pencil", client: "192.0.2.11")
    #expect(a == .failure(.invalidCredentials))
    #expect(a == b)
    #expect(f.clock.sleeps == [.milliseconds(500), .milliseconds(500)])
  }

  @Test func storeErrorsAreTemporaryAndNotCounted() async throws {
    struct Broken: CredentialSource {
      struct Down: Error {}
      func credentials(for login: String) async throws -> AccountCredentials? { throw Down() }
    }
    let auth = try Authenticator(
      source: Broken(), hasher: PasswordHasher(iterations: 1),
      logger: .init(sink: .capturing(), component: "t"),
      clock: ManualAuthClock())
    for _ in 0..<12 {
      let outcome = await auth.verifyPlain(
        login: "alice@example.test", password: "x", client: Self.attacker)
      guard case .failure(.temporary) = outcome else {
        Issue.record("expected a temporary failure, got \(outcome)")
        return
      }
    }
  }
}
