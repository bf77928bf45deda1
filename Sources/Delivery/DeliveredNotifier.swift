import Glibc
import Log
import Storage

/// Sends the "delivered" notification for a message the SMTP server stored in local
/// mailboxes for recipients whose RCPT asked for `NOTIFY=SUCCESS` (RFC 3461 §5.2.2,
/// RFC 3464 §2.3.3): one `multipart/report` per message covering all of them, from the null
/// sender to the envelope sender, the way bounces go (`Bouncer`: into the sender's own
/// mailboxes when the address is hosted here, into the outbound queue otherwise).
///
/// The report returns the original header only, whatever RET says: RET=FULL asks for the
/// message "in any failed DSN" (RFC 3461 §4.3), as for the "relayed" report.
///
/// The SMTP server calls it once its store transaction committed. The store commits one
/// message body per transaction and the report is a second message, so the two are two
/// commits: a crash between them loses the report (the client has no `250` yet and sends
/// the message again, so the delivery is doubled rather than the report lost for good).
public struct DeliveredNotifier: Sendable {
  public let store: MailStore
  /// This server's name: `Reporting-MTA`, the report's From: and Message-ID.
  public let hostname: String
  let bouncer: Bouncer
  let clock: @Sendable () -> Int64

  /// - Parameters:
  ///   - signer: signs the reports (DKIM) as the queue runner signs bounces; nil: unsigned.
  ///   - clock: Unix seconds, for the report's Date: (tests pass their own).
  public init(
    store: MailStore, hostname: String, logger: Logger?, signer: DKIMSigning? = nil,
    clock: @escaping @Sendable () -> Int64 = { Int64(time(nil)) }
  ) {
    self.store = store
    self.hostname = hostname
    self.clock = clock
    bouncer = Bouncer(store: store, logger: logger, signer: signer)
  }

  /// Commits one report for `recipients` (each `Recipient.handledHere(...)`) to `sender`.
  /// Nothing is sent for the null sender ("": never a report about a report) or without
  /// recipients.
  /// - Parameters:
  ///   - arrivalDate: when the message arrived (Unix seconds), `Arrival-Date`.
  ///   - header: the message's header fields as received (trace fields included, CRLF line
  ///     ends), returned as `text/rfc822-headers`.
  ///   - envelopeID: the MAIL command's ENVID, echoed as `Original-Envelope-Id`.
  ///   - id: names the message in the log lines (the SMTP transaction id).
  /// - Returns: true when the report was queued for remote delivery (the queue runner may
  ///   be woken); false when it went into local mailboxes or was not sent (a failure is
  ///   logged: the delivery it reports stands either way).
  @discardableResult
  public func notify(
    sender: String, recipients: [DeliveryStatusNotification.Recipient], arrivalDate: Int64,
    header: [UInt8], envelopeID: String?, id: String
  ) async -> Bool {
    guard !sender.isEmpty, !recipients.isEmpty else { return false }
    let notification = DeliveryStatusNotification(
      reportingMTA: hostname, sender: sender, arrivalDate: arrivalDate, date: clock(),
      recipients: recipients, originalHeader: header, envelopeID: envelopeID)
    return await bouncer.commit(
      [], notification: notification, sender: sender, origin: ("id", id))
  }
}
