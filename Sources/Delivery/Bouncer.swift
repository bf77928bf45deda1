import Log
import Storage

/// Commits the outcome of an attempt together with the notification it calls for, in one
/// store transaction (`Delivery.queueUpdates`): the failures and their bounce are durable
/// together or not at all, so a crash can neither lose a bounce nor send it twice. It also
/// commits the "delivered" reports of `DeliveredNotifier`, which have no updates.
///
/// The notification goes to the envelope sender: into the mailboxes it resolves to when
/// the sender is local (with `Return-Path: <>` on top), or into the queue with the null
/// sender otherwise. A message from the null sender gets no notification (RFC 5321
/// §4.5.5), and a notification is itself sent from the null sender, so a failed one
/// ends there: no loops.
struct Bouncer: Sendable {
  let store: MailStore
  let logger: Logger?
  let signer: DKIMSigning?

  /// The header local copies get; queued copies skip it (`SKIP=`), since the final
  /// delivery adds its own.
  static let returnPath = Array("Return-Path: <>\r\n".utf8)

  /// Commits `updates` with `notification` (if any) for the sender of queue entry
  /// `queue`. Returns true when the notification was queued for remote delivery.
  @discardableResult
  func commit(
    _ updates: [QueueRecipientUpdate], notification: DeliveryStatusNotification?, queue: QueueID,
    sender: String
  ) async -> Bool {
    await commit(updates, notification: notification, sender: sender, origin: ("queue", "\(queue)"))
  }

  /// Commits `updates` with `notification` (if any) for `sender`; `origin` names what the
  /// notification is about in the log lines (a queue entry, an SMTP transaction). Returns
  /// true when the notification was queued for remote delivery.
  @discardableResult
  func commit(
    _ updates: [QueueRecipientUpdate], notification: DeliveryStatusNotification?, sender: String,
    origin: (String, String)
  ) async -> Bool {
    guard let notification, !sender.isEmpty else {
      await commitUpdatesOnly(updates, origin: origin)
      return false
    }
    var targets: [DeliveryTarget] = []
    var remote: [String] = []
    let domain = sender.split(separator: "@").last.map(String.init) ?? ""
    if store.isHosted(domain: domain) {
      switch try? await store.resolveRecipient(sender) {
      case .deliver(let local, let forwarded)?:
        targets = local.map { DeliveryTarget(account: $0.id) }
        remote = forwarded
      default:
        logger?.warning(
          "bounce-dropped", origin, ("sender", sender),
          ("reason", "the sender's address is hosted here but no mailbox takes it"))
        await commitUpdatesOnly(updates, origin: origin)
        return false
      }
    } else {
      remote = [sender]
    }
    var message = notification.encoded()
    if let signer, let fields = try? signer.signatureFields(for: message) {
      message = fields + message
    }
    var params = QueueParameters(skip: Self.returnPath.count)
    params.smtputf8 = notification.needsSMTPUTF8
    if message.contains(where: { $0 >= 0x80 }) { params.body = .eightBitMIME }
    let outbound =
      remote.isEmpty
      ? nil : OutboundEnvelope(sender: "", recipients: remote, params: params.encoded)
    let delivery = Delivery(
      body: .bytes(Self.returnPath + message), targets: targets, outbound: outbound,
      overQuota: .skipTarget, queueUpdates: updates)
    do {
      let receipt = try await store.deliver(delivery)
      logger?.info(
        Self.event(notification), origin, ("sender", sender),
        ("recipients", "\(notification.recipients.count)"),
        ("local", "\(targets.count)"), ("queued", receipt.queueID.map { "\($0)" } ?? "-"))
      return receipt.queueID != nil
    } catch {
      // A full mailbox or a broken store must not keep the failures due forever: record
      // them without the notification.
      logger?.error("bounce-dropped", origin, ("sender", sender), ("error", "\(error)"))
      await commitUpdatesOnly(updates, origin: origin)
      return false
    }
  }

  /// The log event for a sent notification, after what it reports.
  static func event(_ notification: DeliveryStatusNotification) -> String {
    if notification.isFailure { return "bounce-sent" }
    if notification.recipients.allSatisfy({ $0.action == .delivered || $0.action == .expanded }) {
      return "delivered-notice-sent"
    }
    return notification.isSuccess ? "relay-notice-sent" : "delay-warning-sent"
  }

  private func commitUpdatesOnly(_ updates: [QueueRecipientUpdate], origin: (String, String))
    async
  {
    guard !updates.isEmpty else { return }
    do {
      try await store.updateQueue(updates)
    } catch {
      logger?.error("queue-update-failed", origin, ("error", "\(error)"))
    }
  }
}
