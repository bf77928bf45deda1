import DNS
import Log
import Net

/// One attempt for the recipients of one domain: routes the domain, then tries its hosts'
/// addresses in order until every recipient has a final outcome (RFC 5321 §5.1: "try the
/// next host on connection failure or 4xx"). What is still temporary after the last
/// address is deferred with the last reply seen — unless that last host refused the whole
/// session with a 5xx greeting or HELO reply (RFC 5321 §3.1), which fails it.
///
/// Mail must not come back to this server (Postfix's "mail for X loops back to myself",
/// 5.4.6): an MX host resolving to one of `DeliverySettings.ownAddresses` ends the list
/// there (the hosts after it are no better), failing the recipients when it is the first
/// usable one; a host that greets us with our own name fails them when it is the first
/// host, and is skipped like a 4xx otherwise.
public struct DomainDelivery: Sendable {
  public let router: Router
  public let client: SMTPClient
  public let maxAddresses: Int
  let logger: Logger?

  public init(router: Router, client: SMTPClient, maxAddresses: Int = 5, logger: Logger? = nil) {
    self.router = router
    self.client = client
    self.maxAddresses = max(1, maxAddresses)
    self.logger = logger
  }

  /// What one attempt for a domain achieved.
  public struct Report: Sendable {
    /// One outcome per recipient, in the order given.
    public var outcomes: [RecipientOutcome]
    /// Recipients delivered to a host that does not offer DSN: for those with
    /// `NOTIFY=SUCCESS`, a "relayed" notification is due (RFC 3461 §5.2.2).
    public var relayedWithoutDSN: Set<Int> = []
  }

  /// Delivers `message` to `recipients`, all in `domain`.
  public func deliver(
    _ message: OutboundMessage, to recipients: [OutboundRecipient], domain: String
  ) async -> Report {
    let hosts: [RouteHost]
    let permanentIfUnresolvable: Bool
    switch await router.route(domain) {
    case .failed(let reply):
      return Report(outcomes: recipients.map { _ in .failed(reply) })
    case .deferred(let reply):
      return Report(outcomes: recipients.map { _ in .deferred(reply, retryElsewhere: false) })
    case .hosts(let h, let permanent):
      hosts = h
      permanentIfUnresolvable = permanent
    }
    // Only hosts found in DNS (MX, implicit MX, address literal) are checked against our
    // own addresses; a configured route or smarthost is the admin's choice.
    let own = permanentIfUnresolvable ? OwnAddresses(router.settings.ownAddresses) : nil
    let loopsBack = DeliveryReply.local(
      550, (5, 4, 6), "mail for \(domain) loops back to myself")
    var outcomes = [RecipientOutcome?](repeating: nil, count: recipients.count)
    var withoutDSN = Set<Int>()
    var lastReply: DeliveryReply?
    var lastRefusedPermanently = false
    var dnsTrouble: DeliveryReply?
    var tried = 0
    hostLoop: for (index, host) in hosts.enumerated() {
      let addresses: [SocketAddress]
      switch await resolve(host) {
      case .addresses(let a): addresses = a
      case .unusable(let reply):
        if !reply.isPermanent { dnsTrouble = reply }
        continue
      }
      if let own, let mine = own.firstOwn(of: addresses.compactMap { IPAddress($0.host) }) {
        // RFC 5321 §5.1: a relay that is itself an MX host tries only more preferred
        // ones; with nothing better, the MX records point back at us.
        logger?.warning(
          "delivery-loop", ("domain", domain), ("host", host.name), ("address", "\(mine)"),
          ("reason", "the MX host is this server"))
        if tried == 0 && dnsTrouble == nil {
          for i in outcomes.indices where outcomes[i] == nil { outcomes[i] = .failed(loopsBack) }
        }
        break hostLoop
      }
      for address in addresses {
        if tried == maxAddresses { break hostLoop }
        tried += 1
        let open = outcomes.indices.filter { outcomes[$0] == nil }
        let result = await client.send(
          message, to: open.map { recipients[$0] }, host: host, address: address)
        if result.loopsBack && index == 0 {
          // Postfix fails at once only when the best MX greets with our name.
          for i in open { outcomes[i] = .failed(loopsBack) }
          break hostLoop
        }
        for (i, outcome) in zip(open, result.outcomes) {
          switch outcome {
          case .deferred(let reply, retryElsewhere: true):
            lastReply = reply
            lastRefusedPermanently = result.refusedPermanently
          default:
            outcomes[i] = outcome
            if outcome.isDelivered && !result.offersDSN { withoutDSN.insert(i) }
          }
        }
        logger?.info(
          "delivery-attempt", ("domain", domain), ("host", host.name),
          ("address", address.description), ("tls", result.tlsVersion ?? "none"),
          ("delivered", "\(result.outcomes.filter(\.isDelivered).count)"),
          ("recipients", "\(open.count)"), ("reply", result.outcomes.first?.reply.description ?? "")
        )
        if !outcomes.contains(where: { $0 == nil }) { break hostLoop }
      }
    }
    let remaining: RecipientOutcome
    if let lastReply {
      remaining =
        lastRefusedPermanently ? .failed(lastReply) : .deferred(lastReply, retryElsewhere: false)
    } else if let dnsTrouble {
      remaining = .deferred(dnsTrouble, retryElsewhere: false)
    } else if permanentIfUnresolvable {
      remaining = .failed(
        .local(
          550, (5, 4, 4),
          "no mail server of \(domain) has an address: "
            + hosts.map(\.name).joined(separator: ", ")))
    } else {
      remaining = .deferred(
        .local(451, (4, 4, 4), "no address for \(hosts.map(\.name).joined(separator: ", "))"),
        retryElsewhere: false)
    }
    return Report(outcomes: outcomes.map { $0 ?? remaining }, relayedWithoutDSN: withoutDSN)
  }

  enum Resolution {
    case addresses([SocketAddress])
    /// Why there is none: permanent when the name does not exist or has no address.
    case unusable(DeliveryReply)
  }

  /// A host's addresses: the literal itself, or A then AAAA records.
  func resolve(_ host: RouteHost) async -> Resolution {
    if let literal = IPAddress(host.name) {
      return .addresses([literal.socketAddress(port: host.port)])
    }
    do {
      let found = try await router.resolver.addresses(host.name)
      if found.isEmpty {
        return .unusable(.local(550, (5, 4, 4), "\(host.name) has no address records"))
      }
      return .addresses(found.map { $0.socketAddress(port: host.port) })
    } catch {
      if error.isPermanent {
        return .unusable(.local(550, (5, 4, 4), "\(host.name): \(error)"))
      }
      return .unusable(.local(451, (4, 4, 3), "address lookup for \(host.name) failed: \(error)"))
    }
  }
}
