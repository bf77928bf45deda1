import Synchronization

/// Derives password hashes on dedicated threads, never on the async threads.
///
/// The server's `Authenticator` checks plaintext passwords through it; the account
/// commands use it to hash new passwords. Creating one starts its threads; `shutdown()`
/// (or dropping the last reference) stops them.
public final class PasswordHasher: Sendable {
  /// The default PBKDF2-HMAC-SHA-256 iteration count for new passwords.
  ///
  /// Calibrated to about 0.1 s of one core on the development machine (2-core x86-64 VM,
  /// OpenSSL 3.0, Swift 6.3.1): through `PBKDF2.sha256`, 200,000 iterations took 0.071–0.104 s
  /// (best of 10; medians 0.115–0.144 s under a load average of 3 from parallel builds),
  /// 1.9–2.8 million iterations/s. That is about 50 times RFC 7677's example count of
  /// 4,096, so the SCRAM keys are no weaker than the password hash. Raise it as hardware
  /// gets faster; stored hashes keep their own count.
  public static let defaultIterations = 200_000

  /// Iteration count for passwords hashed from now on.
  public let iterations: Int
  private let pool: KDFThreadPool
  private let derivationCount = Atomic(0)

  /// A hasher deriving with `iterations` on `threads` dedicated threads; at most
  /// `maxQueued` derivations wait before new ones fail with `AuthError.kdfOverloaded`.
  /// Tests pass a low `iterations` (but at least 1).
  public init(
    iterations: Int = PasswordHasher.defaultIterations, threads: Int = 2, maxQueued: Int = 256
  ) {
    precondition(iterations >= 1, "PBKDF2 needs at least one iteration")
    self.iterations = iterations
    self.pool = KDFThreadPool(threads: threads, maxQueued: maxQueued)
  }

  /// The hash of a new account's password, with a fresh salt and `iterations`.
  public func hash(newPassword password: String) async throws(AuthError) -> PasswordHash {
    try await derive(password, KDFParameters.random(iterations: iterations))
  }

  /// The hash of an app password for the account whose password hash is `accountHash`:
  /// same salt and count, so SCRAM can check it (see `KDFParameters`).
  public func hash(
    appPassword password: String, sharingWith accountHash: PasswordHash
  ) async throws(AuthError) -> PasswordHash {
    try await derive(password, accountHash.parameters)
  }

  /// The hash of an account's new password that replaces `previous`.
  ///
  /// It keeps the account's salt and count, so existing app passwords stay usable with
  /// SCRAM, unless the count is below `iterations`: then it takes fresh parameters, and
  /// app passwords made before keep working for PLAIN and LOGIN but not for SCRAM until
  /// they are created again.
  public func hash(
    changedPassword password: String, replacing previous: PasswordHash
  ) async throws(AuthError) -> PasswordHash {
    if previous.parameters.iterations >= iterations {
      return try await derive(password, previous.parameters)
    }
    return try await derive(password, KDFParameters.random(iterations: iterations))
  }

  private func derive(
    _ password: String, _ parameters: KDFParameters
  ) async throws(AuthError) -> PasswordHash {
    derivationCount.add(1, ordering: .relaxed)
    return try await pool.run { () throws(AuthError) -> PasswordHash in
      try PasswordHash.derive(password: password, parameters: parameters)
    }
  }

  /// SaltedPassword for prepared password bytes, derived on a pool thread.
  func saltedPassword(
    prepared: [UInt8], parameters: KDFParameters
  ) async throws(AuthError) -> [UInt8] {
    derivationCount.add(1, ordering: .relaxed)
    return try await pool.run { () throws(AuthError) -> [UInt8] in
      try PasswordHash.saltedPassword(prepared, parameters)
    }
  }

  /// How many derivations were requested (tests check the cache saves them).
  var derivations: Int { derivationCount.load(ordering: .relaxed) }

  /// Whether the caller runs on one of the hashing threads (tests check where work runs).
  func isHashingThread() -> Bool { pool.isPoolThread() }

  /// Runs `work` on a hashing thread (tests check where the work runs).
  func runOnPool<T: Sendable>(
    _ work: @escaping @Sendable () throws(AuthError) -> T
  ) async throws(AuthError) -> T {
    try await pool.run(work)
  }

  /// Stops the threads; derivations still queued fail with `AuthError.kdfStopped`.
  public func shutdown() { pool.stop() }
}
