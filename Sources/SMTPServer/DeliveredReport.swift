import SMTPCore

/// What the server hands `SMTPSettings.reportDelivered` once a message is stored for
/// recipients whose RCPT asked for `NOTIFY=SUCCESS` and that it delivered here or expanded
/// as aliases: the facts of the success notification (RFC 3461 §5.2.2, §6.2.7; RFC 3464)
/// the sender is owed. One report per message, covering all such recipients; never for
/// the null sender.
public struct DeliveredReport: Sendable, Hashable {
  /// One recipient the message was delivered to here.
  public struct Recipient: Sendable, Hashable {
    /// The address as the RCPT gave it (RFC 3464 §2.3.2: `Final-Recipient` is the
    /// envelope address as the reporting MTA accepted it).
    public var address: String
    /// The RCPT's ORCPT, echoed as `Original-Recipient` (RFC 3461 §4.2).
    public var originalRecipient: RcptParameters.OriginalRecipient?
    /// The address was an alias: the message went on to its targets (`Action: expanded`,
    /// RFC 3464 §2.3.3), which were given NOTIFY without SUCCESS. Else it was stored in
    /// the address's own mailbox (`Action: delivered`).
    public var expanded: Bool

    public init(
      address: String, originalRecipient: RcptParameters.OriginalRecipient? = nil,
      expanded: Bool = false
    ) {
      self.address = address
      self.originalRecipient = originalRecipient
      self.expanded = expanded
    }
  }

  /// The transaction id (`Received:`, the final `250`, the log).
  public var id: String
  /// The envelope sender, never empty: where the report goes.
  public var sender: String
  /// The MAIL command's ENVID (RFC 3461 §4.4).
  public var envelopeID: String?
  /// The MAIL command's RET (RFC 3461 §4.3); it asks for the message in failure reports
  /// only, so a delivery report carries the header whatever it says.
  public var ret: MailParameters.DSNReturn?
  /// When the message was accepted (Unix seconds): `Arrival-Date`, and the delivery time.
  public var arrivalDate: Int64
  public var recipients: [Recipient]
  /// The header fields of the message as stored, without the local-only `Return-Path:`
  /// (so trace fields, a DKIM signature and the message's own fields), complete fields
  /// only, at most `DeliveredReport.headerLimit` octets.
  public var header: [UInt8]

  public init(
    id: String, sender: String, envelopeID: String? = nil, ret: MailParameters.DSNReturn? = nil,
    arrivalDate: Int64, recipients: [Recipient], header: [UInt8]
  ) {
    self.id = id
    self.sender = sender
    self.envelopeID = envelopeID
    self.ret = ret
    self.arrivalDate = arrivalDate
    self.recipients = recipients
    self.header = header
  }

  /// Most octets of header returned (as the queue's bounces: a report stays small).
  public static let headerLimit = 64 * 1024
}
