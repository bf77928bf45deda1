/// Settings of the authenticator; the defaults are what the server runs with.
public struct AuthPolicy: Sendable {
  /// Whether a connection from a loopback address counts as secure for plaintext
  /// mechanisms without TLS (POP3 and IMAP; Dovecot's `disable_plaintext_auth` works the
  /// same way). SMTP submission ignores this: it never offers AUTH before TLS.
  public var loopbackIsSecure = true
  /// Failure delays and lockouts.
  public var throttle = ThrottlePolicy()
  /// How long a verified password is remembered. Each hit is still checked against the
  /// store's current hash, so a changed password or revoked app password stops working at
  /// once even if the change came from another process.
  public var cacheTTL: Duration = .seconds(3600)
  /// Most remembered verifications; beyond that, the ones expiring first are dropped.
  public var cacheCapacity = 10_000
  /// Longest SASL response line in octets (RFC 4954 §4 asks servers to take 12,288).
  public var maxResponseLength = 12_288
  /// How stale an app password's "last used" time may get: a login with it records the
  /// time only if the last record is older than this, so a phone checking mail every
  /// minute does not cost a durable write per check.
  public var appPasswordUseInterval: Duration = .seconds(3600)

  public init() {}

  /// Whether plaintext mechanisms may be used on a connection: with TLS, or from
  /// loopback while `loopbackIsSecure`. `client` is the real client address (the
  /// PROXY-reported one behind a proxy), never the proxy's.
  public func connectionIsSecure(tls: Bool, client: String) -> Bool {
    tls || (loopbackIsSecure && ClientAddress.isLoopback(client))
  }
}

/// How failures slow down and lock out password guessing.
///
/// Failures are counted per (client, account) and per client (an IPv4 address or an
/// IPv6 /64). Each failure reply waits `delay(afterFailures:)` of the larger count; a
/// client is locked out of one account after `accountLockoutThreshold` failures on it,
/// and out of every account after `clientLockoutThreshold` failures across accounts. An
/// account is never locked for every client: that would let anyone lock a user out.
public struct ThrottlePolicy: Sendable {
  /// Delay before the first failure reply; it doubles with each further failure.
  public var initialDelay: Duration = .milliseconds(500)
  /// Longest delay before a failure reply.
  public var maximumDelay: Duration = .seconds(3)
  /// Failures by one client on one account before that pair is locked out.
  public var accountLockoutThreshold = 10
  /// Failures by one client across accounts before the client is locked out.
  public var clientLockoutThreshold = 50
  /// How long a lockout lasts; the counts start again from zero afterwards.
  public var lockoutDuration: Duration = .seconds(15 * 60)
  /// Failures are forgotten after this long without another one.
  public var failureMemory: Duration = .seconds(15 * 60)
  /// Most clients and (client, account) pairs tracked; stale ones are dropped first.
  public var maxTracked = 100_000

  public init() {}

  /// The delay before the reply to the `failures`-th failure (1-based): `initialDelay`,
  /// doubling, capped at `maximumDelay`.
  public func delay(afterFailures failures: Int) -> Duration {
    guard failures > 0 else { return .zero }
    var delay = initialDelay
    for _ in 1..<min(failures, 32) {
      delay *= 2
      if delay >= maximumDelay { break }
    }
    return min(delay, maximumDelay)
  }
}
