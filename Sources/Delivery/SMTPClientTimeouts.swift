/// How long the SMTP client waits at each step of a session.
///
/// The defaults are RFC 5321 §4.5.3.2's minimums; tests scale them down with `scaled(by:)`.
/// A server slower than these is treated as unreachable: its recipients are deferred.
public struct SMTPClientTimeouts: Sendable, Hashable {
  /// Establishing the TCP connection (not in the RFC; a dead address should not hold a
  /// worker for minutes).
  public var connect: Duration
  /// The 220 greeting (§4.5.3.2.1: 5 minutes).
  public var greeting: Duration
  /// EHLO/HELO, STARTTLS, the TLS handshake, AUTH, RSET and QUIT replies (treated like MAIL).
  public var command: Duration
  /// The reply to MAIL (§4.5.3.2.2: 5 minutes).
  public var mail: Duration
  /// Each RCPT reply (§4.5.3.2.3: 5 minutes).
  public var rcpt: Duration
  /// The 354 after DATA (§4.5.3.2.4: 2 minutes).
  public var dataInitiation: Duration
  /// Each write of message data making no progress (§4.5.3.2.5: 3 minutes).
  public var dataBlock: Duration
  /// The reply after the final dot (§4.5.3.2.6: 10 minutes).
  public var dataTermination: Duration

  public init(
    connect: Duration = .seconds(30), greeting: Duration = .seconds(300),
    command: Duration = .seconds(300), mail: Duration = .seconds(300),
    rcpt: Duration = .seconds(300), dataInitiation: Duration = .seconds(120),
    dataBlock: Duration = .seconds(180), dataTermination: Duration = .seconds(600)
  ) {
    self.connect = connect
    self.greeting = greeting
    self.command = command
    self.mail = mail
    self.rcpt = rcpt
    self.dataInitiation = dataInitiation
    self.dataBlock = dataBlock
    self.dataTermination = dataTermination
  }

  /// RFC 5321 §4.5.3.2's values (and 30 s to connect).
  public static let rfc5321 = SMTPClientTimeouts()

  /// Every timeout multiplied by `factor` (e.g. 0.001 turns minutes into fractions of a
  /// second for tests).
  public func scaled(by factor: Double) -> SMTPClientTimeouts {
    SMTPClientTimeouts(
      connect: connect * factor, greeting: greeting * factor, command: command * factor,
      mail: mail * factor, rcpt: rcpt * factor, dataInitiation: dataInitiation * factor,
      dataBlock: dataBlock * factor, dataTermination: dataTermination * factor)
  }
}
