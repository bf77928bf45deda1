import SMTPCore
import Storage

/// One mail transaction: from an accepted MAIL to its final reply, RSET, a new EHLO or
/// the end of the session. The session drops it whenever `SMTPSessionState` says the
/// transaction is over.
struct Transaction {
  /// The id in the `Received:` line, the final `250` and the log.
  let id: String
  let sender: ReversePath
  let parameters: MailParameters
  /// Accepted recipients as the client wrote them (the log, `for` in `Received:`).
  var recipients: [String] = []
  /// Local accounts to store the message for, each once however many recipients (aliases,
  /// `+tag`, the same address twice) led to it.
  var local: [ResolvedAccount] = []
  /// Remote addresses to queue, each once: recipients of an authenticated user, and
  /// remote targets of aliases.
  var remote: [String] = []
  /// The DSN parameters each remote address goes out with (RFC 3461): its RCPT's NOTIFY,
  /// and its ORCPT or else the address the client wrote (an alias's name, for instance),
  /// as `RcptParameters.encoded` text; the first RCPT leading to an address decides.
  var remoteParams: [String: String] = [:]
  /// Recipients owed a "delivered" notification once the message is stored: those whose
  /// RCPT asked for `NOTIFY=SUCCESS` and led to a local mailbox, each address once (the
  /// first RCPT's ORCPT). Remote targets of the same RCPT carry NOTIFY on to the queue.
  var notifySuccess: [DeliveredReport.Recipient] = []
  /// The message while it arrives (DATA or BDAT chunks).
  var message: IncomingMessage?

  init(id: String, sender: ReversePath, parameters: MailParameters) {
    self.id = id
    self.sender = sender
    self.parameters = parameters
  }

  /// Adds an accepted recipient, where it goes, and the DSN parameters of its RCPT.
  mutating func add(
    recipient: String, local newLocal: [ResolvedAccount], remote newRemote: [String],
    parameters: RcptParameters = RcptParameters()
  ) {
    recipients.append(recipient)
    for account in newLocal where !local.contains(where: { $0.id == account.id }) {
      local.append(account)
    }
    if !newLocal.isEmpty, parameters.notify?.contains(.success) == true,
      !notifySuccess.contains(where: { $0.address.lowercased() == recipient.lowercased() })
    {
      notifySuccess.append(
        .init(address: recipient, originalRecipient: parameters.originalRecipient))
    }
    var forwarded = parameters
    if forwarded.originalRecipient == nil {
      // RFC 3461 §4.2: a relay may add ORCPT, and then it names the address it received.
      let ascii = recipient.utf8.allSatisfy { $0 < 0x80 }
      forwarded.originalRecipient = .init(
        addressType: ascii ? "rfc822" : "utf-8", address: recipient)
    }
    let text = String(forwarded.encoded.drop { $0 == " " })
    for address in newRemote where !remote.contains(address) {
      remote.append(address)
      remoteParams[address] = text
    }
  }

  /// The envelope sender as the queue stores it: "" for `<>`.
  var queueSender: String { sender.mailbox?.description ?? "" }

  /// A new transaction id: 12 characters of base 36, upper case.
  static func makeID() -> String {
    var rng = SystemRandomNumberGenerator()
    let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return String((0..<12).map { _ in alphabet[Int(rng.next(upperBound: UInt8(36)))] })
  }
}

/// A message being received, with the BDAT chunk accounting when it comes by BDAT.
final class IncomingMessage {
  let sink: MessageSink
  var chunks: BDATDecoder?

  init(sink: MessageSink) {
    self.sink = sink
  }
}
