import Crypto
import Log
import Synchronization

/// The one entry point for logins, shared by SMTP, POP3 and IMAP.
///
/// A password check goes: lockout check → login name → store lookup → verified-credential
/// cache → key derivation on `PasswordHasher`'s threads. Every failure (except a cancelled
/// exchange and a temporary store error) is counted, logged as one
/// `event=auth-failed client=IP login=NAME mech=MECH reason=WHY` line, and answered only
/// after the throttle's delay, measured from when the attempt arrived: the shortest delay
/// (0.5 s) exceeds one derivation at the default count (0.1 s), so an unknown account and
/// a wrong password take the same time.
public final class Authenticator: Sendable {
  /// The settings in force.
  public let policy: AuthPolicy
  private let source: any CredentialSource
  private let hasher: PasswordHasher
  private let clock: any AuthClock
  private let logger: Logger
  private let throttle: FailureThrottle
  private let cache: CredentialCache
  /// When each app password's use was last recorded (by `accept`).
  private let appPasswordUses = Mutex([Int64: Duration]())
  private let secret: [UInt8]
  private let serverNonce: @Sendable () -> String?

  /// An authenticator reading accounts from `source` and checking passwords on `hasher`.
  ///
  /// - `secret`: keys the cache and the made-up SCRAM salts of unknown accounts. Pass one
  ///   kept across restarts (at least 32 random bytes) so those salts do not change when
  ///   the server restarts, which would tell unknown accounts from real ones; by default
  ///   a random one per process.
  /// - `serverNonce`: SCRAM's server nonce; tests inject a fixed one. By default 18 random
  ///   bytes in base64.
  public init(
    source: any CredentialSource, hasher: PasswordHasher, logger: Logger,
    policy: AuthPolicy = AuthPolicy(), clock: any AuthClock = SystemAuthClock(),
    secret: [UInt8]? = nil, serverNonce: (@Sendable () -> String)? = nil
  ) throws(AuthError) {
    let key: [UInt8]
    if let secret {
      key = secret
    } else {
      do {
        key = try SecureRandom.bytes(32)
      } catch {
        throw .crypto(error)
      }
    }
    self.policy = policy
    self.source = source
    self.hasher = hasher
    self.clock = clock
    self.logger = logger.component("auth")
    self.throttle = FailureThrottle(policy: policy.throttle)
    self.cache = CredentialCache(
      secret: key, ttl: policy.cacheTTL, capacity: policy.cacheCapacity)
    self.secret = key
    self.serverNonce = serverNonce ?? { try? Base64.encode(SecureRandom.bytes(18)) }
  }

  /// The mechanisms to advertise: SCRAM-SHA-256 always, PLAIN and LOGIN only when
  /// `secure` (TLS, or loopback per `isSecure(tls:client:)`). Strongest first.
  public func mechanisms(secure: Bool) -> [String] {
    SASLMechanism.allCases.filter { secure || !$0.isPlaintext }.map(\.rawValue)
  }

  /// Whether plaintext mechanisms and commands are allowed (see
  /// `AuthPolicy.connectionIsSecure`). SMTP submission passes `tls` alone instead.
  public func isSecure(tls: Bool, client: String) -> Bool {
    policy.connectionIsSecure(tls: tls, client: client)
  }

  /// Starts a SASL exchange for `mechanism` (any case) from `client` (the real client IP).
  public func startSASL(
    mechanism name: String, client: String, secure: Bool
  ) throws(SASLStartError) -> SASLSession {
    guard let mechanism = SASLMechanism(name: name) else { throw .unsupportedMechanism(name) }
    guard secure || !mechanism.isPlaintext else { throw .encryptionRequired(mechanism) }
    return SASLSession(mechanism: mechanism, authenticator: self, client: client)
  }

  /// Checks a login name and plaintext password: POP3 USER/PASS, IMAP LOGIN. The caller
  /// has already refused these commands on insecure connections. `mechanism` only names
  /// the command in log lines.
  public func verifyPlain(
    login: String, password: String, client: String, mechanism: String = "password"
  ) async -> AuthOutcome {
    await verifyPassword(
      rawLogin: login, password: Array(password.utf8), client: client, mechanism: mechanism)
  }

  /// Forgets cached verifications of `account`: call it on password change, app-password
  /// revocation and account deletion made in this process. (Changes from other processes
  /// are caught anyway, as every cache hit is checked against the store.)
  public func invalidate(account: Int64) { cache.invalidate(account: account) }

  /// Forgets every cached verification.
  public func invalidateAll() { cache.invalidateAll() }

  // MARK: - Password checks

  /// One login attempt as the throttle and the log see it.
  struct Attempt: Sendable {
    let client: String
    let clientKey: String
    /// The normalised login; nil if the name is unusable or not given yet.
    let normalized: String?
    /// What failures are counted and logged under: the normalised login, or the
    /// failure key of an unusable name; nil before any name.
    let login: String?
    let mechanism: String
    let start: Duration
  }

  func attempt(client: String, rawLogin: String?, mechanism: String) -> Attempt {
    let normalized = rawLogin.flatMap(LoginName.normalize)
    return Attempt(
      client: client, clientKey: ClientAddress.throttleKey(client), normalized: normalized,
      login: normalized ?? rawLogin.map(LoginName.failureKey), mechanism: mechanism,
      start: clock.now())
  }

  private enum Match {
    case account
    case app(AppPasswordCredential)

    var appID: Int64? {
      if case .app(let app) = self { return app.id }
      return nil
    }

    var appPassword: AppPasswordRef? {
      if case .app(let app) = self { return AppPasswordRef(id: app.id, name: app.name) }
      return nil
    }

    func hash(in credentials: AccountCredentials) -> PasswordHash {
      if case .app(let app) = self { return app.hash }
      return credentials.password
    }
  }

  func verifyPassword(
    rawLogin: String, password: [UInt8], client: String, mechanism: String,
    authzidMatches: Bool = true
  ) async -> AuthOutcome {
    let attempt = attempt(client: client, rawLogin: rawLogin, mechanism: mechanism)
    if let refusal = await refuseEarly(attempt, authzidMatches: authzidMatches) {
      return .failure(refusal)
    }
    guard let login = attempt.normalized else {
      return .failure(await reject(attempt, reason: "invalid-login-name"))
    }
    let credentials: AccountCredentials
    switch await lookUp(login, attempt) {
    case .failure(let failure): return .failure(failure)
    case .success(nil): return .failure(await reject(attempt, reason: "unknown-account"))
    case .success(let found?): credentials = found
    }

    let cacheKey = cache.key(login: login, password: password)
    var match = cachedMatch(cacheKey, credentials, now: attempt.start)
    if match == nil {
      do {
        match = try await derivedMatch(password, credentials)
      } catch {
        return .failure(unavailable(attempt, "\(error)", "password checks are unavailable"))
      }
      if let match {
        cache.insert(
          cacheKey, accountID: credentials.accountID, appPasswordID: match.appID,
          storedKey: match.hash(in: credentials).storedKey, now: attempt.start)
      }
    }
    guard let match else { return .failure(await reject(attempt, reason: "bad-password")) }
    guard credentials.enabled else { return .failure(await reject(attempt, reason: "disabled")) }
    return .success(accept(attempt, credentials, match.appPassword))
  }

  /// The failure for an attempt refused before its password is looked at: a lockout (a
  /// correct password fails too, so a lockout is no oracle) or an authzid naming
  /// someone else.
  func refuseEarly(_ attempt: Attempt, authzidMatches: Bool) async -> AuthFailure? {
    let lockout = throttle.lockout(
      client: attempt.clientKey, login: attempt.login, now: attempt.start)
    if let lockout {
      return await reject(attempt, reason: "locked-\(lockout.rawValue)", counted: false)
    }
    if !authzidMatches { return await reject(attempt, reason: "authzid-mismatch") }
    return nil
  }

  func lookUp(_ login: String, _ attempt: Attempt) async -> Result<AccountCredentials?, AuthFailure>
  {
    do {
      return .success(try await source.credentials(for: login))
    } catch {
      return .failure(
        unavailable(attempt, "credential store: \(error)", "the account database is not answering"))
    }
  }

  private func cachedMatch(
    _ key: [UInt8], _ credentials: AccountCredentials, now: Duration
  ) -> Match? {
    guard let entry = cache.lookup(key, now: now), entry.accountID == credentials.accountID
    else { return nil }
    if let id = entry.appPasswordID {
      guard let app = credentials.appPasswords.first(where: { $0.id == id }),
        constantTimeEquals(app.hash.storedKey, entry.storedKey)
      else { return nil }
      return .app(app)
    }
    return constantTimeEquals(credentials.password.storedKey, entry.storedKey) ? .account : nil
  }

  /// Derives once per distinct `KDFParameters` (normally one: app passwords share the
  /// account's) and compares with every credential derived with them.
  private func derivedMatch(
    _ password: [UInt8], _ credentials: AccountCredentials
  ) async throws(AuthError) -> Match? {
    var groups: [(KDFParameters, [(PasswordHash, Match)])] = [
      (credentials.password.parameters, [(credentials.password, .account)])
    ]
    for app in credentials.appPasswords {
      if let i = groups.firstIndex(where: { $0.0 == app.hash.parameters }) {
        groups[i].1.append((app.hash, .app(app)))
      } else {
        groups.append((app.hash.parameters, [(app.hash, .app(app))]))
      }
    }
    let prepared = SASLprep.prepare(password)
    for (parameters, candidates) in groups {
      let salted = try await hasher.saltedPassword(prepared: prepared, parameters: parameters)
      var found: Match?
      for (hash, match) in candidates where hash.matches(saltedPassword: salted) {
        if found == nil { found = match }
      }
      if let found { return found }
    }
    return nil
  }

  // MARK: - SCRAM

  /// What SCRAM needs once the client has named itself.
  struct SCRAMAccount: Sendable {
    let credentials: AccountCredentials?
    let parameters: KDFParameters
  }

  /// The account and the salt/count to announce. An unknown account or unusable name
  /// gets parameters made up from the secret and the name, stable for that name, so the
  /// first challenge looks the same as for a real account.
  func scramAccount(rawLogin: String, client: String) async -> Result<SCRAMAccount, AuthFailure> {
    var credentials: AccountCredentials?
    if let login = LoginName.normalize(rawLogin) {
      let attempt = attempt(client: client, rawLogin: rawLogin, mechanism: "SCRAM-SHA-256")
      switch await lookUp(login, attempt) {
      case .failure(let failure): return .failure(failure)
      case .success(let found): credentials = found
      }
    }
    if let credentials {
      return .success(
        SCRAMAccount(credentials: credentials, parameters: credentials.password.parameters))
    }
    let name = LoginName.failureKey(rawLogin)
    let salt = HMAC.sha256(key: secret, data: Array("scram-salt\0\(name)".utf8))
    let parameters = KDFParameters(
      unchecked: Array(salt.prefix(KDFParameters.saltLength)), iterations: hasher.iterations)
    return .success(SCRAMAccount(credentials: nil, parameters: parameters))
  }

  /// A fresh server nonce, or nil if no random bytes could be had.
  func makeServerNonce() -> String? { serverNonce() }

  /// Checks the client-final-message and ends the exchange.
  func finishSCRAM(
    _ message: [UInt8], account: SCRAMAccount, pending: SCRAMServer.Pending, client: String
  ) async -> SASLStep {
    let clientFirst = pending.clientFirst
    let attempt = attempt(
      client: client, rawLogin: clientFirst.username, mechanism: "SCRAM-SHA-256")
    let authzidMatches = clientFirst.authzid.map { sameLogin($0, clientFirst.username) } ?? true
    if let refusal = await refuseEarly(attempt, authzidMatches: authzidMatches) {
      return .failure(refusal)
    }
    let final: SCRAMServer.ClientFinal
    do {
      final = try SCRAMServer.parseClientFinal(message, pending: pending)
    } catch {
      return .failure(await reject(attempt, reason: "malformed", failure: error))
    }
    guard let credentials = account.credentials else {
      let reason = attempt.normalized == nil ? "invalid-login-name" : "unknown-account"
      return .failure(await reject(attempt, reason: reason))
    }
    // Only credentials derived with the announced salt and count can match the proof.
    var candidates: [(PasswordHash, AppPasswordCredential?)] = [(credentials.password, nil)]
    for app in credentials.appPasswords where app.hash.parameters == pending.parameters {
      candidates.append((app.hash, app))
    }
    let authMessage = SCRAMServer.authMessage(pending, final)
    guard
      let index = SCRAMServer.match(
        proof: final.proof, authMessage: authMessage, candidates: candidates.map(\.0))
    else { return .failure(await reject(attempt, reason: "bad-password")) }
    guard credentials.enabled else { return .failure(await reject(attempt, reason: "disabled")) }
    let (hash, app) = candidates[index]
    let user = accept(attempt, credentials, app.map { AppPasswordRef(id: $0.id, name: $0.name) })
    return .success(user, finalData: SCRAMServer.serverFinal(hash, authMessage: authMessage))
  }

  /// Whether two login names designate the same account (RFC 4616 §2: authzid equal to
  /// authcid is the client acting as itself).
  func sameLogin(_ a: String, _ b: String) -> Bool {
    (LoginName.normalize(a) ?? LoginName.failureKey(a))
      == (LoginName.normalize(b) ?? LoginName.failureKey(b))
  }

  // MARK: - Outcomes

  private func accept(
    _ attempt: Attempt, _ credentials: AccountCredentials, _ app: AppPasswordRef?
  ) -> AuthenticatedUser {
    throttle.recordSuccess(client: attempt.clientKey, login: attempt.login ?? credentials.address)
    var fields = [
      ("client", attempt.client), ("login", credentials.address), ("mech", attempt.mechanism),
    ]
    if let app {
      fields.append(("app-password", app.name))
      recordUse(of: app, now: attempt.start)
    }
    logger.log(.info, "auth-ok", fields)
    return AuthenticatedUser(
      accountID: credentials.accountID, address: credentials.address, appPassword: app)
  }

  /// Has the source record the use of `app` unless it did so within
  /// `policy.appPasswordUseInterval`. The write runs in its own task: the login does not
  /// wait for it, and a failure only costs a log line.
  private func recordUse(of app: AppPasswordRef, now: Duration) {
    let due = appPasswordUses.withLock { last -> Bool in
      if let previous = last[app.id], now - previous < policy.appPasswordUseInterval {
        return false
      }
      // Forget records too old to hold anything back, so the table stays as small as
      // the set of app passwords in use.
      if last.count >= 1_024 {
        last = last.filter { now - $0.value < policy.appPasswordUseInterval }
      }
      last[app.id] = now
      return true
    }
    guard due else { return }
    Task { [source, logger] in
      do {
        try await source.recordUse(ofAppPassword: app.id)
      } catch {
        logger.warning(
          "app-password-use-not-recorded", ("app-password", app.name), ("error", "\(error)"))
      }
    }
  }

  /// Counts (unless told not to), logs and delays a failure, then returns it.
  func reject(
    _ attempt: Attempt, reason: String, counted: Bool = true,
    failure: AuthFailure = .invalidCredentials
  ) async -> AuthFailure {
    var delay = policy.throttle.maximumDelay
    var lockouts: [FailureThrottle.Scope] = []
    if counted {
      (delay, lockouts) = throttle.recordFailure(
        client: attempt.clientKey, login: attempt.login, now: attempt.start)
    }
    let login = String((attempt.login ?? "").prefix(LoginName.maxLength))
    logger.info(
      "auth-failed", ("client", attempt.client), ("login", login), ("mech", attempt.mechanism),
      ("reason", reason))
    for scope in lockouts {
      logger.warning(
        "auth-lockout", ("client", attempt.client), ("login", scope == .account ? login : "*"),
        ("scope", scope.rawValue),
        ("seconds", "\(policy.throttle.lockoutDuration.components.seconds)"))
    }
    await clock.sleep(until: attempt.start + delay)
    return failure
  }

  /// Logs a store or hashing fault; not the client's failure, so neither counted nor delayed.
  private func unavailable(_ attempt: Attempt, _ detail: String, _ reply: String) -> AuthFailure {
    logger.error(
      "auth-unavailable", ("client", attempt.client), ("login", attempt.login ?? ""),
      ("mech", attempt.mechanism), ("error", detail))
    return .temporary(reply)
  }
}
