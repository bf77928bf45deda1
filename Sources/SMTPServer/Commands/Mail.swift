import SMTPCore

/// MAIL FROM (RFC 5321 §4.1.1.2): starts a transaction.
extension SMTPSession {
  func handleMail(_ path: ReversePath, _ parameters: MailParameters) async {
    let command = Command.mail(path, parameters)
    let sender = path.description
    if role.requiresAuthentication && user == nil {
      // RFC 6409 §4.3 / RFC 8314: submission needs TLS (RFC 3207) and then AUTH (RFC 4954).
      let reply: Reply = state.isTLS ? .authRequired : .startTLSRequired
      refuse(reply, to: command, reason: "authentication required", ("from", sender))
      return
    }
    if parameters.body == .binaryMIME {
      // BINARYMIME is not advertised (as Postfix: CHUNKING without BINARYMIME).
      refuse(
        .syntaxError("BODY=BINARYMIME is not supported"), to: command, reason: "binarymime",
        ("from", sender))
      return
    }
    if let size = parameters.size, size > limits.maxMessageSize {
      // RFC 1870 §6.2.
      refuse(.messageTooBig, to: command, reason: "declared size", ("size", "\(size)"))
      return
    }
    if let user, settings.requireSenderOwnership, let mailbox = path.mailbox {
      switch await ownership(of: Self.plainAddress(mailbox), by: user) {
      case .owned: break
      case .notOwned:
        refuse(
          .senderNotOwned, to: command, reason: "sender not owned", ("from", sender),
          ("login", user.address))
        return
      case .unavailable:
        refuse(.localError, to: command, reason: "store unavailable")
        return
      }
    }
    transaction = Transaction(id: Transaction.makeID(), sender: path, parameters: parameters)
    respond(.senderOK, to: command)
  }
}
