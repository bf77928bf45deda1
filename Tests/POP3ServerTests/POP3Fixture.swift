import Net
import PostaTestSupport
import Storage
import Testing

@testable import POP3Server

/// A `ServerTestFixture` with a `POP3Service` over it; sessions run over in-memory pairs.
final class POP3Fixture: ServerTestFixtureBased {
  let base: ServerTestFixture
  let service: POP3Service

  private init(base: ServerTestFixture, settings: POP3Settings) {
    self.base = base
    service = POP3Service(
      store: base.store, authenticator: base.authenticator, logger: base.logger,
      settings: { settings }, tlsContext: base.tlsProvider)
  }

  /// Runs `body` with a fresh fixture and removes everything afterwards (but not a
  /// `directory` passed in, which is for reopening the store of an earlier fixture).
  static func with<T>(
    settings: POP3Settings = POP3Settings(hostName: "pop.example.test"), tls: Bool = false,
    directory: String? = nil, _ body: (POP3Fixture) async throws -> T
  ) async throws -> T {
    try await ServerTestFixture.with(label: "pop3", tls: tls, directory: directory) { base in
      try await body(POP3Fixture(base: base, settings: settings))
    }
  }

  static func makeTemporaryDirectory() throws -> String {
    try ServerTestFixture.makeTemporaryDirectory(label: "pop3")
  }

  // MARK: - Accounts and mail

  func inbox(_ account: Account) async throws -> Mailbox {
    try #require(try await store.mailbox(of: account.id, named: "INBOX"))
  }

  /// Delivers `message` to the account's INBOX; returns its UID.
  @discardableResult
  func deliver(_ message: String, to account: Account) async throws -> UInt32 {
    try await deliver(Array(message.utf8), to: account)
  }

  @discardableResult
  func deliver(_ message: [UInt8], to account: Account) async throws -> UInt32 {
    let receipt = try await store.deliver(
      Delivery(body: .bytes(message), targets: [DeliveryTarget(account: account.id)]))
    guard case .stored(_, let uid, _) = receipt.outcomes.first else {
      throw StorageError.invalidArgument("nothing stored")
    }
    return uid
  }

  /// Delivers many messages concurrently (the store group-commits them).
  func deliverMany(_ count: Int, to account: Account, message: @Sendable (Int) -> [UInt8])
    async throws
  {
    let store = self.store
    var next = 0
    while next < count {
      let batch = next..<min(count, next + 512)
      try await withThrowingTaskGroup(of: Void.self) { group in
        for i in batch {
          let bytes = message(i)
          group.addTask {
            _ = try await store.deliver(
              Delivery(body: .bytes(bytes), targets: [DeliveryTarget(account: account.id)]))
          }
        }
        try await group.waitForAll()
      }
      next = batch.upperBound
    }
  }

  // MARK: - Sessions

  /// Starts a session over an in-memory pair; returns the client and the server's task
  /// (it ends when the session does).
  func connect(
    from client: SocketAddress = POP3Fixture.loopback, implicitTLS: Bool = false
  ) -> (client: POP3TestClient, session: Task<Void, Never>, server: MemoryStream) {
    let service = self.service
    let (clientEnd, task, serverEnd) = base.startSession {
      await service.serve(stream: $0, client: client, implicitTLS: implicitTLS)
    }
    return (POP3TestClient(clientEnd), task, serverEnd)
  }

  /// Connects and reads the greeting.
  func open(from client: SocketAddress = POP3Fixture.loopback) async throws -> (
    client: POP3TestClient, session: Task<Void, Never>
  ) {
    let (client, task, _) = connect(from: client)
    let greeting = try await client.line()
    #expect(greeting.hasPrefix("+OK "), "greeting: \(greeting)")
    return (client, task)
  }
}
