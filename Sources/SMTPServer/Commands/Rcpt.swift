import SMTPCore

/// RCPT TO (RFC 5321 §4.1.1.3): one recipient per command; the state machine has already
/// refused the 101st with `452 4.5.3` (RFC 5321 §4.5.3.1.10).
extension SMTPSession {
  func handleRcpt(_ path: ForwardPath, _ parameters: RcptParameters) async {
    let command = Command.rcpt(path, parameters)
    let policy = RecipientPolicy(
      store: store, settings: settings, logger: logger, authenticated: user != nil,
      declaredSize: transaction?.parameters.size, hostName: hostName)
    switch await policy.decide(path) {
    case .accept(let local, let remote):
      let written = path.mailbox?.description ?? "Postmaster"
      transaction?.add(
        recipient: written, local: local, remote: remote, parameters: parameters)
      respond(.recipientOK, to: command)
    case .refuse(let reply, let reason):
      refuse(reply, to: command, reason: reason, ("to", path.description))
    }
  }
}
