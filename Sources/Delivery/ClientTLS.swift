import TLS

/// The client TLS contexts delivery needs, built once: loading a CA store costs time and
/// memory, and a context serves any number of connections.
public struct ClientTLS: Sendable {
  /// Opportunistic TLS: no verification, and versions down to TLS 1.0, since for
  /// unauthenticated encryption any version beats plain text (RFC 7435 §3).
  public let opportunistic: TLSContext
  /// Verifying contexts by CA bundle path; "" is the system store.
  public let verifying: [String: TLSContext]

  /// Builds the opportunistic context, and a verifying one for each CA bundle the
  /// settings' routes ask for (the system store for routes without one).
  public init(settings: DeliverySettings) throws(DeliveryError) {
    do {
      opportunistic = try TLSContext.client(verifyPeer: false, minimumVersion: .tls10)
    } catch {
      throw .tls("cannot set up outbound TLS: \(error)")
    }
    var paths = Set<String>()
    let policies: [(OutboundTLSPolicy, String?)] =
      [(settings.tls, nil)] + settings.staticRoutes.map { ($0.tls, nil) }
      + (settings.smarthost.map { [($0.tls, $0.trustedCertificatesPath)] } ?? [])
    for (policy, path) in policies where policy == .required(verify: true) {
      paths.insert(path ?? "")
    }
    var verifying: [String: TLSContext] = [:]
    for path in paths {
      do {
        verifying[path] = try TLSContext.client(
          verifyPeer: true, trustedCertificatesPath: path.isEmpty ? nil : path)
      } catch {
        throw .tls(
          "cannot load the CA certificates \(path.isEmpty ? "of the system" : path): \(error)")
      }
    }
    self.verifying = verifying
  }

  /// The context for a host's policy, or nil when TLS is off.
  func context(for host: RouteHost) -> (context: TLSContext, verify: Bool)? {
    switch host.tls {
    case .disabled: return nil
    case .opportunistic, .required(verify: false): return (opportunistic, false)
    case .required(verify: true):
      guard let c = verifying[host.trustedCertificatesPath ?? ""] else { return nil }
      return (c, true)
    }
  }
}

/// Errors setting up delivery; each says what to fix.
public enum DeliveryError: Error, Sendable, Equatable, CustomStringConvertible {
  /// A TLS context could not be built (CA bundle missing or unreadable).
  case tls(String)
  /// A setting is unusable.
  case configuration(String)

  public var description: String {
    switch self {
    case .tls(let m): m
    case .configuration(let m): "delivery configuration: \(m)"
    }
  }
}
