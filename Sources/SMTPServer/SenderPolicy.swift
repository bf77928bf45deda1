import Auth
import SMTPCore
import Storage

/// Whether an authenticated user may send as an address (issue 5: the envelope sender and
/// the From: addresses must be theirs unless `SMTPSettings.requireSenderOwnership` is off).
enum SenderOwnership: Equatable {
  case owned
  case notOwned
  /// The store could not answer: `451 4.3.0`, try again.
  case unavailable
}

extension SMTPSession {
  /// Whether `user` owns `address` (`local@domain`): their own address; an address listed
  /// for them (or for `*`) in `allowedSenders`, exactly or by `@domain`; or one that the
  /// store resolves to their account (an alias pointing to them, `+tag`, a catch-all).
  func ownership(of address: String, by user: AuthenticatedUser) async -> SenderOwnership {
    let wanted = address.lowercased()
    if wanted == user.address.lowercased() { return .owned }
    guard let at = wanted.lastIndex(of: "@") else { return .notOwned }
    let domain = wanted[wanted.index(after: at)...]
    let login = user.address.lowercased()
    let extra = settings.allowedSenders.filter { $0.key == "*" || $0.key.lowercased() == login }
      .flatMap(\.value)
    for allowed in extra.map({ $0.lowercased() }) {
      if allowed == wanted || (allowed.hasPrefix("@") && allowed.dropFirst() == domain) {
        return .owned
      }
    }
    guard store.isHosted(domain: String(domain)) else { return .notOwned }
    do {
      switch try await store.resolveRecipient(wanted) {
      case .deliver(let local, _):
        return local.contains { $0.id.rawValue == user.accountID } ? .owned : .notOwned
      case .unknownRecipient, .notHosted:
        return .notOwned
      }
    } catch .invalidAddress {
      return .notOwned
    } catch {
      logger.error("smtp-store-failed", ("during", "sender check"), ("error", "\(error)"))
      return .unavailable
    }
  }

  /// The address of an SMTP mailbox as the store and ownership checks take it.
  static func plainAddress(_ mailbox: SMTPCore.Mailbox) -> String {
    mailbox.localPart + "@" + mailbox.domain.description
  }
}
