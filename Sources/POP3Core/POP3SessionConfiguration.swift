/// What a session needs to know about its connection and server; the server builds one
/// per accepted connection.
public struct POP3SessionConfiguration: Sendable, Hashable {
  /// The connection is TLS (pop3s, or after STLS via `POP3SessionState.tlsStarted()`).
  public var isTLS: Bool
  /// STLS can be offered (a certificate is configured for this listener).
  public var tlsAvailable: Bool
  /// Plaintext logins are allowed without TLS: a loopback client while the configuration
  /// counts loopback as secure (the Auth module's `isSecure(tls:client:)` with tls false).
  public var secureWithoutTLS: Bool
  /// Every SASL mechanism the server supports, upper case, strongest first (the Auth
  /// module's `mechanisms(secure: true)`). AUTH names are upper-cased before matching.
  public var saslMechanisms: [String]
  /// The mechanisms in `saslMechanisms` that send the password in the clear; offered
  /// only on secure connections.
  public var plaintextMechanisms: Set<String>
  /// IMPLEMENTATION text for CAPA, or nil.
  public var implementation: String?
  /// Text of the `+OK` greeting. Without a `<timestamp>`: APOP is not offered.
  public var greeting: String
  /// Protocol limits.
  public var limits: POP3Limits

  /// A configuration; the defaults describe a plain pop3 listener with STLS, PLAIN,
  /// LOGIN and SCRAM-SHA-256.
  public init(
    isTLS: Bool = false, tlsAvailable: Bool = true, secureWithoutTLS: Bool = false,
    saslMechanisms: [String] = ["SCRAM-SHA-256", "PLAIN", "LOGIN"],
    plaintextMechanisms: Set<String> = ["PLAIN", "LOGIN"],
    implementation: String? = "Posta", greeting: String = "Posta POP3 server ready",
    limits: POP3Limits = POP3Limits()
  ) {
    self.isTLS = isTLS
    self.tlsAvailable = tlsAvailable
    self.secureWithoutTLS = secureWithoutTLS
    self.saslMechanisms = saslMechanisms
    self.plaintextMechanisms = plaintextMechanisms
    self.implementation = implementation
    self.greeting = greeting
    self.limits = limits
  }

  /// Plaintext logins (USER/PASS, PLAIN, LOGIN) are allowed.
  public var isSecure: Bool { isTLS || secureWithoutTLS }

  /// STLS is offered: not TLS yet, and TLS configured (RFC 2595 §4).
  public var offersSTLS: Bool { !isTLS && tlsAvailable }

  /// The SASL mechanisms usable now.
  public var offeredMechanisms: [String] {
    isSecure ? saslMechanisms : saslMechanisms.filter { !plaintextMechanisms.contains($0) }
  }

  /// The CAPA list for this connection now.
  public var capabilities: POP3Capabilities {
    POP3Capabilities(
      user: isSecure, saslMechanisms: offeredMechanisms, stls: offersSTLS,
      implementation: implementation)
  }
}
