import SMTPCore
import Storage

/// The bytes of a message to send, produced in chunks so a large message is never held
/// whole: from the store (`stored`) or from memory (`bytes`, for tests and small messages).
public struct MessageBody: Sendable {
  /// Octets that will be sent (before dot-stuffing).
  public let size: Int
  let produce: @Sendable (_ sink: ([UInt8]) async throws -> Void) async throws -> Void

  public init(
    size: Int,
    produce: @escaping @Sendable (_ sink: ([UInt8]) async throws -> Void) async throws -> Void
  ) {
    self.size = size
    self.produce = produce
  }

  /// A body held in memory.
  public static func bytes(_ bytes: [UInt8]) -> MessageBody {
    MessageBody(size: bytes.count) { sink in try await sink(bytes) }
  }

  /// Bytes `offset..<size` of a stored body, streamed in the store's chunks.
  public static func stored(_ store: MailStore, body: BodyID, offset: Int64, size: Int64)
    -> MessageBody
  {
    let start = min(max(0, offset), size)
    return MessageBody(size: Int(size - start)) { sink in
      var chunks = store.readBody(body, range: start..<size).makeAsyncIterator()
      while let chunk = try await chunks.next() { try await sink(chunk) }
    }
  }
}

/// One message as the SMTP client sends it: envelope sender, body and what the body needs
/// from the server.
public struct OutboundMessage: Sendable {
  /// The envelope sender; "" is the null sender `<>`.
  public var sender: String
  public var body: MessageBody
  /// The BODY= the message arrived with; passed on when the server offers 8BITMIME.
  public var bodyType: MailParameters.BodyType?
  /// The message arrived with SMTPUTF8; it is passed on when the server offers it.
  public var requestsSMTPUTF8: Bool
  /// The header holds UTF-8 (RFC 6532): a server without SMTPUTF8 cannot take it.
  public var headerNeedsSMTPUTF8: Bool
  /// RET= and ENVID= (RFC 3461 §4.3, §4.4), passed on when the server offers DSN.
  public var ret: MailParameters.DSNReturn?
  public var envelopeID: String?

  public init(
    sender: String, body: MessageBody, bodyType: MailParameters.BodyType? = nil,
    requestsSMTPUTF8: Bool = false, headerNeedsSMTPUTF8: Bool = false,
    ret: MailParameters.DSNReturn? = nil, envelopeID: String? = nil
  ) {
    self.sender = sender
    self.body = body
    self.bodyType = bodyType
    self.requestsSMTPUTF8 = requestsSMTPUTF8
    self.headerNeedsSMTPUTF8 = headerNeedsSMTPUTF8
    self.ret = ret
    self.envelopeID = envelopeID
  }
}

/// One recipient as the SMTP client sends it: the address, and the DSN parameters of its
/// RCPT (NOTIFY, ORCPT; RFC 3461 §4.1, §4.2), passed on when the server offers DSN.
public struct OutboundRecipient: Sendable, Hashable, ExpressibleByStringLiteral {
  public var address: String
  public var dsn: RcptParameters

  public init(_ address: String, dsn: RcptParameters = RcptParameters()) {
    self.address = address
    self.dsn = dsn
  }

  /// A recipient without DSN parameters.
  public init(stringLiteral address: String) {
    self.init(address)
  }

  /// Whether a notification with `action` may be sent for this recipient: never with
  /// `NOTIFY=NEVER`; failures and delays unless NOTIFY leaves them out (no NOTIFY means
  /// FAILURE,DELAY, RFC 3461 §4.1); a relay or delivery report only when NOTIFY asks for
  /// SUCCESS.
  public func wants(_ action: DeliveryStatusNotification.Action) -> Bool {
    switch action {
    case .failed: dsn.notify?.contains(.failure) ?? true
    case .delayed: dsn.notify?.contains(.delay) ?? true
    case .relayed, .delivered, .expanded: dsn.notify?.contains(.success) ?? false
    }
  }
}

/// What became of one recipient in one attempt.
public enum RecipientOutcome: Sendable, Hashable {
  /// The server took responsibility (2xx after the data).
  case delivered(DeliveryReply)
  /// A permanent failure: bounce.
  case failed(DeliveryReply)
  /// A temporary failure. `retryElsewhere`: another host of the route may be tried now;
  /// false when the server may already have the message (the connection broke after the
  /// final dot), where trying another host at once would likely deliver it twice.
  case deferred(DeliveryReply, retryElsewhere: Bool)

  public var reply: DeliveryReply {
    switch self {
    case .delivered(let r), .failed(let r), .deferred(let r, _): r
    }
  }

  public var isDelivered: Bool {
    if case .delivered = self { return true }
    return false
  }
}
