import Log
import SMTPCore
import Storage

/// What becomes of one RCPT: where it goes, or the refusal.
enum RecipientDecision {
  case accept(local: [ResolvedAccount], remote: [String])
  /// The reply, and a short reason for the log.
  case refuse(Reply, reason: String)
}

/// The recipient rules, apart from the session so the service can check postmasters at
/// start with the same code.
struct RecipientPolicy {
  let store: MailStore
  let settings: SMTPSettings
  let logger: Logger
  /// The client authenticated: any address may be a recipient (relaying).
  var authenticated = false
  /// MAIL's SIZE=, for the early quota check.
  var declaredSize: Int?
  /// The greeting name, whose domain a bare `<Postmaster>` belongs to.
  var hostName: String

  /// Decides a recipient (issue 5, "Listeners and roles" and "Delivery"):
  /// - `<Postmaster>` and `postmaster@hosted` are always accepted (`postmaster(domain:)`);
  /// - a hosted domain resolves through the store (aliases, `+tag`, catch-all): nothing →
  ///   `550 5.1.1` now, never a bounce later; a local account without room for the
  ///   message → `452 4.2.2`;
  /// - any other address is relaying: fine once authenticated, else `554 5.7.1` whoever
  ///   the client is (loopback included: there are no trusted networks).
  func decide(_ path: ForwardPath) async -> RecipientDecision {
    guard let mailbox = path.mailbox else {
      guard let domain = await primaryDomain() else {
        return .refuse(.postmasterUnavailable, reason: "no hosted domain")
      }
      return await postmaster(domain: domain)
    }
    guard case .domain(let domain) = mailbox.domain, store.isHosted(domain: domain.name) else {
      return authenticated
        ? .accept(local: [], remote: [mailbox.description])
        : .refuse(.relayDenied, reason: "relay denied")
    }
    if mailbox.localPart.lowercased() == "postmaster" {
      return await postmaster(domain: domain.lowercased)
    }
    let resolution: RecipientResolution
    do {
      resolution = try await store.resolveRecipient(SMTPSession.plainAddress(mailbox))
    } catch .invalidAddress {
      // A local part the store cannot hold (quoted, with spaces…): no such user.
      return .refuse(.unknownUser, reason: "unknown user")
    } catch {
      logger.error("smtp-store-failed", ("during", "recipient lookup"), ("error", "\(error)"))
      return .refuse(.localError, reason: "store unavailable")
    }
    switch resolution {
    case .deliver(let local, let remote):
      return await checkRoom(local: local, remote: remote)
    case .unknownRecipient:
      return .refuse(.unknownUser, reason: "unknown user")
    case .notHosted:
      // The domain stopped being hosted between the two calls (a reload).
      return authenticated
        ? .accept(local: [], remote: [mailbox.description])
        : .refuse(.relayDenied, reason: "relay denied")
    }
  }

  /// `452 4.2.2` when a local target has no room for the declared size (or one octet); the
  /// store checks again atomically at delivery.
  private func checkRoom(local: [ResolvedAccount], remote: [String]) async -> RecipientDecision {
    let size = Int64(max(declaredSize ?? 1, 1))
    for target in local {
      do {
        if let account = try await store.account(id: target.id), !account.hasRoom(for: size) {
          return .refuse(.overQuotaTemp, reason: "over quota")
        }
      } catch {
        logger.error("smtp-store-failed", ("during", "quota check"), ("error", "\(error)"))
        return .refuse(.localError, reason: "store unavailable")
      }
    }
    return .accept(local: local, remote: remote)
  }

  /// RFC 5321 §4.5.1: postmaster is always accepted. It goes to the account or alias
  /// `postmaster@domain`, else to `SMTPSettings.postmaster`, else to the domain's oldest
  /// account; only a domain without any account answers `450 4.2.1` (temporary).
  func postmaster(domain: String) async -> RecipientDecision {
    do {
      for candidate in postmasterCandidates(domain: domain) {
        let resolution: RecipientResolution
        do {
          resolution = try await store.resolveRecipient(candidate)
        } catch .invalidAddress {
          logger.warning("smtp-postmaster-invalid", ("postmaster", candidate))
          continue
        }
        switch resolution {
        case .deliver(let local, let remote): return .accept(local: local, remote: remote)
        case .notHosted: return .accept(local: [], remote: [candidate])
        case .unknownRecipient: continue
        }
      }
      if let oldest = try await store.accountsByAge(domain: domain).first {
        return .accept(local: [ResolvedAccount(id: oldest.id, address: oldest.address)], remote: [])
      }
    } catch {
      logger.error("smtp-store-failed", ("during", "postmaster lookup"), ("error", "\(error)"))
      return .refuse(.localError, reason: "store unavailable")
    }
    return .refuse(.postmasterUnavailable, reason: "no account in domain \(domain)")
  }

  /// `postmaster@domain`, then the configured postmaster (an address, or a local part in
  /// `domain`).
  private func postmasterCandidates(domain: String) -> [String] {
    var out = ["postmaster@" + domain]
    if let configured = settings.postmaster, !configured.isEmpty {
      out.append(configured.contains("@") ? configured : configured + "@" + domain)
    }
    return out
  }

  /// The domain of a bare `<Postmaster>`: the greeting name's domain when hosted (or its
  /// nearest hosted parent: `mx.example.org` → `example.org`), else the first hosted domain
  /// in alphabetical order.
  func primaryDomain() async -> String? {
    var labels = hostName.lowercased().split(separator: ".")
    while labels.count >= 2 {
      let candidate = labels.joined(separator: ".")
      if store.isHosted(domain: candidate) { return candidate }
      labels.removeFirst()
    }
    return try? await store.domainSummaries().first?.name
  }
}
