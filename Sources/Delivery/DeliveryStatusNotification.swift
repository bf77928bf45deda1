import Foundation
import MIME
import SMTPCore

/// A delivery status notification (RFC 3464) telling a sender what became of some
/// recipients: a `multipart/report; report-type=delivery-status` message with a human
/// part quoting the servers' replies, the machine-readable `message/delivery-status`, and
/// the original header as `text/rfc822-headers` (RFC 6522) — or the whole original
/// message as `message/rfc822` when the sender asked for it with `RET=FULL` (RFC 3461
/// §4.3) and it is small enough (`returnedMessage`).
///
/// UTF-8 recipients or header fields make it the RFC 6533 variant
/// (`message/global-delivery-status`, `message/global-headers`), which needs SMTPUTF8 to
/// travel.
public struct DeliveryStatusNotification: Sendable {
  /// Per-recipient `Action` values Posta reports (RFC 3464 §2.3.3).
  public enum Action: String, Sendable, Hashable {
    /// No further attempts will be made.
    case failed
    /// Still being tried (a delay warning).
    case delayed
    /// Handed to a server that does not offer DSN, for a recipient with `NOTIFY=SUCCESS`:
    /// no further notification will come (RFC 3461 §5.2.2).
    case relayed
    /// Stored in a mailbox here, for a recipient with `NOTIFY=SUCCESS` (RFC 3461 §5.2.2,
    /// RFC 3464 §2.3.3): the final delivery.
    case delivered
    /// An alias here that passed the message on to its targets, for a recipient with
    /// `NOTIFY=SUCCESS` (RFC 3461 §6.2.7, RFC 3464 §2.3.3): not final, the targets went on
    /// with NOTIFY minus SUCCESS, so failures may still be reported.
    case expanded
  }

  /// One recipient's block.
  public struct Recipient: Sendable, Hashable {
    public var address: String
    public var action: Action
    /// The reply that decided it (quoted in `Diagnostic-Code` when a server sent it).
    public var reply: DeliveryReply
    /// Unix time of the last attempt.
    public var lastAttempt: Int64
    /// For `delayed`: when the queue gives up (`Will-Retry-Until`).
    public var willRetryUntil: Int64?
    /// The RCPT's ORCPT (RFC 3461 §4.2), echoed as `Original-Recipient`.
    public var originalRecipient: RcptParameters.OriginalRecipient?

    public init(
      address: String, action: Action, reply: DeliveryReply, lastAttempt: Int64,
      willRetryUntil: Int64? = nil, originalRecipient: RcptParameters.OriginalRecipient? = nil
    ) {
      self.address = address
      self.action = action
      self.reply = reply
      self.lastAttempt = lastAttempt
      self.willRetryUntil = willRetryUntil
      self.originalRecipient = originalRecipient
    }

    /// RFC 3463 status: the reply's, except that a failure whose last reply was
    /// temporary failed by expiry (5.4.7), a delay is always class 4, a relay or a
    /// delivery class 2.
    public var status: EnhancedStatusCode {
      let s = reply.status
      switch action {
      case .failed:
        return s.statusClass == 5 ? s : EnhancedStatusCode(5, 4, 7)
      case .delayed:
        return s.statusClass == 4 ? s : EnhancedStatusCode(4, 0, 0)
      case .relayed, .delivered, .expanded:
        return s.statusClass == 2 ? s : EnhancedStatusCode(2, 0, 0)
      }
    }

    /// A recipient this server handled itself at `time` (Unix seconds), with `Status:
    /// 2.0.0` and no remote server to quote: `.delivered` (stored in its mailbox here) or
    /// `.expanded` (an alias here that passed the message on to its targets).
    public static func handledHere(
      _ action: Action, address: String,
      originalRecipient: RcptParameters.OriginalRecipient? = nil, at time: Int64
    ) -> Recipient {
      let text = action == .expanded ? "alias expanded" : "delivered to the recipient's mailbox"
      return Recipient(
        address: address, action: action, reply: .local(250, (2, 0, 0), text), lastAttempt: time,
        originalRecipient: originalRecipient)
    }
  }

  /// This server's name (`Reporting-MTA`, `MAILER-DAEMON@…`, the Message-ID's right side).
  public var reportingMTA: String
  /// The original envelope sender, to whom the notification goes.
  public var sender: String
  /// When the original message was queued.
  public var arrivalDate: Int64
  /// When the notification is made.
  public var date: Int64
  public var recipients: [Recipient]
  /// The original message's header fields, as stored (CRLF line ends expected).
  public var originalHeader: [UInt8]
  /// The ENVID the message arrived with (RFC 3461 §4.4), echoed as `Original-Envelope-Id`.
  public var envelopeID: String?
  /// The whole original message (from its header on), returned instead of the header
  /// alone: set for a failure report when the sender asked `RET=FULL` and the message is
  /// within the size cap (`returnedMessageLimit`).
  public var returnedMessage: [UInt8]?
  public var messageID: String
  public var boundary: String

  /// A notification; Message-ID and boundary are random unless given (tests pin them).
  public init(
    reportingMTA: String, sender: String, arrivalDate: Int64, date: Int64,
    recipients: [Recipient], originalHeader: [UInt8], envelopeID: String? = nil,
    returnedMessage: [UInt8]? = nil, messageID: String? = nil, boundary: String? = nil
  ) {
    self.reportingMTA = reportingMTA
    self.sender = sender
    self.arrivalDate = arrivalDate
    self.date = date
    self.recipients = recipients
    self.originalHeader = originalHeader
    self.envelopeID = envelopeID
    self.returnedMessage = returnedMessage
    var rng = SystemRandomNumberGenerator()
    self.messageID = messageID ?? "<dsn.\(Self.token(&rng))@\(reportingMTA)>"
    self.boundary = boundary ?? "posta-report-\(Self.token(&rng))"
  }

  /// Most octets of an original message returned whole (Postfix's `bounce_size_limit`
  /// default): a larger one is returned as its header only, so a bounce of a big message
  /// does not become a big message itself.
  public static let returnedMessageLimit = 50_000

  /// Whether the report tells of a failure (else of delays or relays only).
  public var isFailure: Bool { recipients.contains { $0.action == .failed } }

  /// Whether the report only tells of relays, deliveries and expansions (a success
  /// report).
  public var isSuccess: Bool {
    recipients.allSatisfy { [.relayed, .delivered, .expanded].contains($0.action) }
  }

  /// RFC 3461 §4.3: the content returned when the sender chose `ret` (nil: not said, which
  /// Posta takes as HDRS), for a message of `size` octets. Only a failure report returns
  /// the whole message (RET=FULL asks for it "in any failed DSN"), and only up to `limit`:
  /// a relay or delivery report carries the header whatever RET says.
  public static func returnsFullMessage(
    ret: MailParameters.DSNReturn?, failure: Bool, size: Int, limit: Int = returnedMessageLimit
  ) -> Bool {
    ret == .full && failure && size <= limit
  }

  /// Non-ASCII addresses or header: the RFC 6533 form, which needs SMTPUTF8.
  public var needsSMTPUTF8: Bool {
    !sender.utf8.allSatisfy { $0 < 0x80 } || usesGlobalStatus || usesGlobalHeaders
  }

  private var usesGlobalStatus: Bool {
    recipients.contains {
      !$0.address.utf8.allSatisfy { $0 < 0x80 }
        || !($0.originalRecipient?.address.utf8.allSatisfy { $0 < 0x80 } ?? true)
    }
  }

  private var usesGlobalHeaders: Bool { originalHeader.contains { $0 >= 0x80 } }

  // MARK: - Encoding

  /// The whole message, CRLF line ends, ready to store or send.
  public func encoded() -> [UInt8] {
    var out: [UInt8] = []
    let failed = recipients.contains { $0.action == .failed }
    out += field("From", "Mail Delivery System <MAILER-DAEMON@\(reportingMTA)>")
    out += field("To", "<\(sender)>")
    let subject =
      failed
      ? "Undelivered mail: delivery failed"
      : isSuccess ? "Successful mail delivery report" : "Delayed mail: delivery not yet done"
    out += HeaderFieldBuilder.unstructuredField(name: "Subject", text: subject)
    out += field("Date", Self.format(date))
    out += field("Message-ID", messageID)
    // RFC 3834 §5: an automatic message; auto-responders must not answer it.
    out += field("Auto-Submitted", "auto-replied")
    out += field("MIME-Version", "1.0")
    out += field(
      "Content-Type",
      "multipart/report; report-type=delivery-status; boundary=\"\(boundary)\"")
    out += crlf
    out += line("This is a MIME-formatted delivery status notification.")
    out += crlf

    out += line("--" + boundary)
    let human = humanText(failed: failed)
    let humanBytes = Array(human.utf8)
    out += field("Content-Type", "text/plain; charset=utf-8")
    out += field(
      "Content-Transfer-Encoding", humanBytes.allSatisfy { $0 < 0x80 } ? "7bit" : "8bit")
    out += crlf
    out += humanBytes
    out += crlf

    out += line("--" + boundary)
    out += field(
      "Content-Type",
      usesGlobalStatus ? "message/global-delivery-status" : "message/delivery-status")
    out += crlf
    out += statusFields()

    out += line("--" + boundary)
    if let returnedMessage {
      // RFC 6532 §3.7: a message with UTF-8 header fields is message/global.
      out += field("Content-Type", usesGlobalHeaders ? "message/global" : "message/rfc822")
      if returnedMessage.contains(where: { $0 >= 0x80 }) {
        out += field("Content-Transfer-Encoding", "8bit")
      }
      out += crlf
      out += returnedMessage
      // RFC 2046 §5.1.1: the CRLF before the boundary is the boundary's, so the message
      // keeps its own final line break.
      out += crlf
    } else {
      out += field(
        "Content-Type", usesGlobalHeaders ? "message/global-headers" : "text/rfc822-headers")
      out += crlf
      out += originalHeader
      if !originalHeader.isEmpty && originalHeader.suffix(2) != [13, 10] { out += crlf }
      out += crlf
    }
    out += line("--" + boundary + "--")
    return out
  }

  /// The part a person reads; each reply quoted as the server sent it.
  func humanText(failed: Bool) -> String {
    var t = "This is the mail system at \(reportingMTA).\r\n\r\n"
    if failed {
      t += "Your message could not be delivered to one or more recipients.\r\n"
      t += "No further attempts will be made for them:\r\n\r\n"
    } else if isSuccess {
      if recipients.contains(where: { $0.action == .delivered }) {
        t += "Your message was delivered to the mailbox of the recipients below, as you\r\n"
        t += "asked to be told:\r\n\r\n"
      }
      if recipients.contains(where: { $0.action == .expanded }) {
        t += "Your message reached the addresses below, which forward mail to others, and\r\n"
        t += "was passed on to them. You will hear again only if it cannot be delivered to\r\n"
        t += "one of them:\r\n\r\n"
      }
      if recipients.contains(where: { $0.action == .relayed }) {
        t += "Your message was passed on to the mail server of the recipients below, as you\r\n"
        t += "asked. That server does not send delivery notifications, so this is the last\r\n"
        t += "one you will get for them:\r\n\r\n"
      }
    } else {
      t += "Your message has not been delivered yet to one or more recipients.\r\n"
      t += "Nothing needs to be done: delivery is still being tried.\r\n\r\n"
    }
    for r in recipients {
      t += "<\(r.address)>:\r\n"
      if let remote = r.reply.remoteMTA {
        t += "    \(remote) said: \(r.reply.smtpText)\r\n"
      } else {
        t += "    \(r.reply.smtpText)\r\n"
      }
      if r.action == .failed && !r.reply.isPermanent {
        t += "    (still failing when the message expired; no further attempts)\r\n"
      }
      if r.action == .delayed, let until = r.willRetryUntil {
        t += "    (will keep trying until \(Self.format(until)))\r\n"
      }
      t += "\r\n"
    }
    t +=
      returnedMessage == nil
      ? "The header of your message is attached below.\r\n"
      : "Your message is attached below.\r\n"
    return t
  }

  /// The message/delivery-status body (RFC 3464 §2.2 and §2.3).
  func statusFields() -> [UInt8] {
    var out: [UInt8] = []
    out += field("Reporting-MTA", "dns; " + reportingMTA)
    if let envelopeID { out += field("Original-Envelope-Id", envelopeID) }
    out += field("Arrival-Date", Self.format(arrivalDate))
    for r in recipients {
      out += crlf
      let ascii = r.address.utf8.allSatisfy { $0 < 0x80 }
      if let o = r.originalRecipient {
        // RFC 3464 §2.3.1: the ORCPT as given, address type and address.
        out += field("Original-Recipient", "\(o.addressType);\(o.address)")
      }
      // RFC 6533 §3: the utf-8 address type for UTF-8 addresses.
      out += field("Final-Recipient", (ascii ? "rfc822; " : "utf-8; ") + r.address)
      out += field("Action", r.action.rawValue)
      out += field("Status", r.status.description)
      if let remote = r.reply.remoteMTA {
        out += field("Remote-MTA", "dns; " + remote)
        // RFC 3464 §2.3.6 wants US-ASCII here unless the report is the RFC 6533 kind.
        let text = usesGlobalStatus ? r.reply.smtpText : Self.ascii(r.reply.smtpText)
        out += field("Diagnostic-Code", "smtp; " + text)
      }
      out += field("Last-Attempt-Date", Self.format(r.lastAttempt))
      if r.action == .delayed, let until = r.willRetryUntil {
        out += field("Will-Retry-Until", Self.format(until))
      }
    }
    out += crlf
    return out
  }

  private var crlf: [UInt8] { [13, 10] }

  private func line(_ text: String) -> [UInt8] { Array(text.utf8) + crlf }

  private func field(_ name: String, _ value: String) -> [UInt8] {
    HeaderFieldBuilder.field(name: name, value: value)
  }

  private static func ascii(_ text: String) -> String {
    String(text.unicodeScalars.map { $0.isASCII ? Character($0) : "?" })
  }

  static func format(_ unix: Int64) -> String {
    MessageDate.format(Date(timeIntervalSince1970: TimeInterval(unix)))
  }

  private static func token(_ rng: inout SystemRandomNumberGenerator) -> String {
    (0..<3).map { _ in String(rng.next() as UInt64, radix: 36) }.joined(separator: ".")
  }
}
