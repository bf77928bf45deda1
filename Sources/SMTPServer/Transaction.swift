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
  /// Recipients owed a success notification once the message is stored, each address
  /// once (the first RCPT's ORCPT): "delivered" for an RCPT with `NOTIFY=SUCCESS` that led
  /// to its own mailbox, "expanded" for one that was an alias (see `add`).
  var notifySuccess: [DeliveredReport.Recipient] = []
  /// The message while it arrives (DATA or BDAT chunks).
  var message: IncomingMessage?

  init(id: String, sender: ReversePath, parameters: MailParameters) {
    self.id = id
    self.sender = sender
    self.parameters = parameters
  }

  /// Adds an accepted recipient, where it goes, and the DSN parameters of its RCPT.
  ///
  /// `NOTIFY=SUCCESS` on an alias (RFC 3461 §6.2.7, the option Postfix takes): the alias
  /// itself is reported "expanded" once the message is stored, and its targets go on with
  /// NOTIFY minus SUCCESS (NEVER when nothing is left), so the sender gets one success
  /// report per address it wrote rather than one per copy.
  mutating func add(
    recipient: String, local newLocal: [ResolvedAccount], remote newRemote: [String],
    parameters: RcptParameters = RcptParameters()
  ) {
    recipients.append(recipient)
    for account in newLocal where !local.contains(where: { $0.id == account.id }) {
      local.append(account)
    }
    var forwarded = parameters
    if let notify = parameters.notify, notify.contains(.success) {
      let direct = Self.isDirect(recipient, local: newLocal, remote: newRemote)
      // A direct remote recipient (an authenticated user relaying) keeps SUCCESS: the
      // queue reports it ("relayed") or the next hop does.
      if !(direct && newLocal.isEmpty),
        !notifySuccess.contains(where: { $0.address.lowercased() == recipient.lowercased() })
      {
        notifySuccess.append(
          .init(
            address: recipient, originalRecipient: parameters.originalRecipient,
            expanded: !direct))
      }
      if !direct { forwarded.notify = notify.subtracting(.success) }
    }
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

  /// Whether `recipient` went where it says — its own mailbox (a `+tag` aside), or itself
  /// as a remote address — rather than through an alias (any other target, or several).
  static func isDirect(_ recipient: String, local: [ResolvedAccount], remote: [String]) -> Bool {
    let written = recipient.lowercased()
    if local.isEmpty { return remote.count == 1 && remote[0].lowercased() == written }
    guard local.count == 1, remote.isEmpty, let at = written.lastIndex(of: "@") else {
      return false
    }
    let account = local[0].address.lowercased()
    if account == written { return true }
    // Sub-addressing: `user+tag@domain` is `user@domain`'s own mailbox.
    guard let plus = written[..<at].firstIndex(of: "+"), plus != written.startIndex else {
      return false
    }
    return account == String(written[..<plus]) + String(written[at...])
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
