import Config
import Delivery
import Log
import Net
import POP3Core
import POP3Server
import SMTPCore
import SMTPServer

/// Which code serves each listener: the protocol servers that exist, and the
/// pending-protocol placeholder for those that don't yet.
struct ProtocolHandlers: Sendable {
  typealias Handler = @Sendable (TCPConnection) async -> Void

  let pop3: POP3Service
  let smtp: SMTPService
  let runtime: ServerRuntime

  /// - Parameter queue: woken after the SMTP server queues a message (or a "delivered"
  ///   notification); nil when nothing delivers (`hold`).
  init(runtime: ServerRuntime, queue: QueueRunner? = nil) {
    self.runtime = runtime
    // One service for pop3 and pop3s: they share the message-size cache.
    self.pop3 = POP3Service(
      store: runtime.store, authenticator: runtime.authenticator,
      logger: runtime.logger.component("pop3"),
      settings: { Self.pop3Settings(runtime.config) },
      tlsContext: { runtime.snapshot.tls })
    // One service for the three SMTP roles: they share the spool directory.
    self.smtp = SMTPService(
      store: runtime.store, authenticator: runtime.authenticator,
      logger: runtime.logger.component("smtp"),
      settings: {
        let config = runtime.config
        var settings = Self.smtpSettings(config)
        settings.signer = Self.signer(runtime.dkim, logger: runtime.logger.component("dkim"))
        if let queue { settings.onQueued = { queue.wake() } }
        let notifier = DeliveredNotifier(
          store: runtime.store, hostname: config.hostname,
          logger: runtime.logger.component("smtp"), signer: runtime.dkim)
        settings.reportDelivered = Self.deliveredReporter(notifier, queue: queue)
        return settings
      },
      tlsContext: { runtime.snapshot.tls })
  }

  static func smtpSettings(_ config: PostaConfig) -> SMTPSettings {
    var limits = SMTPLimits()
    limits.maxMessageSize = config.limits.maxMessageSize
    limits.commandLineLength = max(limits.commandLineLength, config.limits.smtpLineLength)
    return SMTPSettings(
      hostName: config.hostname, hostNames: config.hostNames, limits: limits,
      idleTimeout: config.limits.smtpIdleTimeout, allowAuthOnMX: config.smtp.authOnMX,
      requireSenderOwnership: config.smtp.requireSenderOwnership,
      postmaster: config.smtp.postmaster.isEmpty ? nil : config.smtp.postmaster,
      spoolDirectory: config.dataDir + "/spool")
  }

  /// Signs with the hosted domain of the From: address; a failure is logged and the message
  /// goes unsigned rather than refused (receivers treat it like any unsigned mail).
  static func signer(_ dkim: DKIMSigning, logger: Logger)
    -> @Sendable (UnsafeRawBufferPointer) -> [UInt8]?
  {
    { message in
      do {
        return try dkim.signatureFields(for: message)
      } catch {
        logger.error("dkim-sign-failed", ("error", "\(error)"))
        return nil
      }
    }
  }

  /// Sends the "delivered" notification the SMTP server asks for the way bounces go
  /// (`DeliveredNotifier`), and wakes the queue when it was queued for a remote sender.
  static func deliveredReporter(_ notifier: DeliveredNotifier, queue: QueueRunner?)
    -> @Sendable (DeliveredReport) async -> Void
  {
    { report in
      let recipients = report.recipients.map {
        DeliveryStatusNotification.Recipient.handledHere(
          $0.expanded ? .expanded : .delivered, address: $0.address,
          originalRecipient: $0.originalRecipient, at: report.arrivalDate)
      }
      let queued = await notifier.notify(
        sender: report.sender, recipients: recipients, arrivalDate: report.arrivalDate,
        header: report.header, envelopeID: report.envelopeID, id: report.id)
      if queued { queue?.wake() }
    }
  }

  static func smtpRole(_ service: ListenService) -> SMTPRole? {
    switch service {
    case .smtp: .mx
    case .submission: .submission
    case .submissions: .submissions
    default: nil
    }
  }

  static func pop3Settings(_ config: PostaConfig) -> POP3Settings {
    var limits = POP3Limits()
    limits.commandLine = config.limits.pop3LineLength
    var settings = POP3Settings(hostName: config.hostname, limits: limits)
    settings.hostNames = config.hostNames
    settings.idleTimeout = max(config.limits.pop3IdleTimeout, POP3Settings.minimumIdleTimeout)
    return settings
  }

  /// Serves one accepted connection of `service`.
  func handler(for service: ListenService) -> Handler {
    if let role = Self.smtpRole(service) {
      return { [smtp] conn in await smtp.serve(conn, role: role) }
    }
    switch service {
    case .pop3:
      return { [pop3] conn in await pop3.serve(conn, implicitTLS: false) }
    case .pop3s:
      return { [pop3] conn in await pop3.serve(conn, implicitTLS: true) }
    default:
      return PendingProtocolSession.handler(service, runtime: runtime)
    }
  }

  /// Says "too busy" to a connection over the limits, in the protocol's words.
  func reject(for service: ListenService) -> Handler {
    if let role = Self.smtpRole(service) {
      return { [smtp] conn in await smtp.reject(conn, role: role) }
    }
    switch service {
    case .pop3:
      return { [pop3] conn in await pop3.reject(conn, implicitTLS: false) }
    case .pop3s:
      return { [pop3] conn in await pop3.reject(conn, implicitTLS: true) }
    default:
      return { _ in }
    }
  }
}
