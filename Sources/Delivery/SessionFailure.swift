import Net
import SMTPCore
import TLS

/// Why a session with one host ended before every recipient had a reply. Each case turns
/// into the temporary `DeliveryReply` its recipients are deferred with.
enum SessionFailure: Error, Sendable {
  case connect(address: String, reason: String)
  case timedOut(stage: String)
  case closed(stage: String)
  case io(stage: String, reason: String)
  case badReply(stage: String, reason: String)
  case tlsHandshake(String)
  /// A refusal that ends the session (greeting, EHLO, STARTTLS when TLS is required, AUTH).
  case rejected(stage: String, Reply)
  /// The route requires TLS and the host cannot give it.
  case tlsUnavailable(String)
  /// The route has credentials and the host offers no way to use them.
  case authUnavailable(String)
  /// The message could not be read from the store while sending it.
  case source(String)
  /// The host greeted us, or answered EHLO, with our own host name: we are talking to
  /// ourselves and the mail would loop.
  case loop(String)
  case cancelled

  /// The reply recorded for the recipients this failure leaves without one.
  func reply(host: String) -> DeliveryReply {
    switch self {
    case .connect(let address, let reason):
      .local(451, (4, 4, 1), "connection to \(host) [\(address)] failed: \(reason)")
    case .timedOut(let stage):
      .local(451, (4, 4, 2), "timeout waiting for \(host) during \(stage)")
    case .closed(let stage):
      .local(451, (4, 4, 2), "\(host) closed the connection during \(stage)")
    case .io(let stage, let reason):
      .local(451, (4, 4, 2), "connection to \(host) broke during \(stage): \(reason)")
    case .badReply(let stage, let reason):
      .local(451, (4, 5, 0), "unreadable reply from \(host) during \(stage): \(reason)")
    case .tlsHandshake(let reason):
      .local(451, (4, 7, 5), "TLS handshake with \(host) failed: \(reason)")
    case .rejected(_, let reply):
      DeliveryReply(reply, from: host)
    case .tlsUnavailable(let reason):
      .local(451, (4, 7, 4), "\(host): \(reason)")
    case .authUnavailable(let reason):
      .local(451, (4, 7, 0), "\(host): \(reason)")
    case .source(let reason):
      .local(451, (4, 3, 0), "reading the message to send to \(host) failed: \(reason)")
    case .loop(let reason):
      .local(451, (4, 4, 6), "mail loops back to myself: \(reason)")
    case .cancelled:
      .local(451, (4, 3, 2), "delivery to \(host) interrupted by shutdown")
    }
  }

  /// A 5xx greeting (RFC 5321 §3.1: 554 instead of 220) or 5xx to HELO: the host refuses
  /// all mail, which is permanent unless another host of the route takes it.
  var isPermanentRefusal: Bool {
    if case .rejected(let stage, let reply) = self, stage == "greeting" || stage == "HELO" {
      return reply.isPermanentFailure
    }
    return false
  }

  var isLoop: Bool {
    if case .loop = self { return true }
    return false
  }

  var isTLSHandshake: Bool {
    if case .tlsHandshake = self { return true }
    return false
  }

  /// Classifies an error thrown by a stream operation during `stage`.
  static func from(_ error: any Error, stage: String) -> SessionFailure {
    switch error {
    case let f as SessionFailure: return f
    case is CancellationError: return .cancelled
    case NetError.timedOut: return .timedOut(stage: stage)
    case NetError.closed, NetError.unexpectedEOF: return .closed(stage: stage)
    case let e as TLSError: return .io(stage: stage, reason: e.description)
    default: return .io(stage: stage, reason: "\(error)")
    }
  }
}
