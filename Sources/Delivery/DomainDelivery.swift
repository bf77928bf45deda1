import DNS
import Log
import Net

/// One attempt for the recipients of one domain: routes the domain, then tries its hosts'
/// addresses in order until every recipient has a final outcome (RFC 5321 §5.1: "try the
/// next host on connection failure or 4xx"). What is still temporary after the last
/// address is deferred with the last reply seen.
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

  /// Delivers `message` to `recipients`, all in `domain`; one outcome per recipient, in order.
  public func deliver(_ message: OutboundMessage, to recipients: [String], domain: String) async
    -> [RecipientOutcome]
  {
    let hosts: [RouteHost]
    let permanentIfUnresolvable: Bool
    switch await router.route(domain) {
    case .failed(let reply):
      return recipients.map { _ in .failed(reply) }
    case .deferred(let reply):
      return recipients.map { _ in .deferred(reply, retryElsewhere: false) }
    case .hosts(let h, let permanent):
      hosts = h
      permanentIfUnresolvable = permanent
    }
    var outcomes = [RecipientOutcome?](repeating: nil, count: recipients.count)
    var lastReply: DeliveryReply?
    var dnsTrouble: DeliveryReply?
    var tried = 0
    hostLoop: for host in hosts {
      let addresses: [SocketAddress]
      switch await resolve(host) {
      case .addresses(let a): addresses = a
      case .unusable(let reply):
        if !reply.isPermanent { dnsTrouble = reply }
        continue
      }
      for address in addresses {
        if tried == maxAddresses { break hostLoop }
        tried += 1
        let open = outcomes.indices.filter { outcomes[$0] == nil }
        let result = await client.send(
          message, to: open.map { recipients[$0] }, host: host, address: address)
        for (i, outcome) in zip(open, result.outcomes) {
          switch outcome {
          case .deferred(let reply, retryElsewhere: true): lastReply = reply
          default: outcomes[i] = outcome
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
      remaining = .deferred(lastReply, retryElsewhere: false)
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
    return outcomes.map { $0 ?? remaining }
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
