/// The CAPA list (RFC 2449 §5–6) for one connection's current security.
///
/// Always: TOP, UIDL, RESP-CODES, AUTH-RESP-CODE (RFC 3206), PIPELINING. USER only where
/// plaintext logins are allowed; SASL with the mechanisms usable now (none → no SASL
/// line); STLS while the connection is plain and TLS is configured (RFC 2595 §4);
/// IMPLEMENTATION when named. EXPIRE and LOGIN-DELAY are not advertised: Posta neither
/// expires mail nor delays logins by policy. RFC 2449 §5 wants the AUTHORIZATION list
/// announced in TRANSACTION too, so the list does not depend on the state.
public struct POP3Capabilities: Sendable, Hashable {
  /// Offer USER/PASS (a TLS connection, or loopback counted as secure).
  public var user: Bool
  /// SASL mechanisms usable on this connection now, strongest first.
  public var saslMechanisms: [String]
  /// Offer STLS.
  public var stls: Bool
  /// The IMPLEMENTATION text, or nil to leave the line out.
  public var implementation: String?

  /// The list for the given connection properties.
  public init(user: Bool, saslMechanisms: [String], stls: Bool, implementation: String?) {
    self.user = user
    self.saslMechanisms = saslMechanisms
    self.stls = stls
    self.implementation = implementation
  }

  /// The capability lines, in the order sent.
  public var lines: [String] {
    var lines = ["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"]
    if user { lines.append("USER") }
    if !saslMechanisms.isEmpty { lines.append("SASL " + saslMechanisms.joined(separator: " ")) }
    if stls { lines.append("STLS") }
    if let implementation, !implementation.isEmpty {
      lines.append("IMPLEMENTATION " + implementation)
    }
    return lines
  }

  /// The CAPA reply.
  public var response: POP3Response { .multiLine("Capability list follows", lines: lines) }
}
