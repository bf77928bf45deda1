import Foundation
import SMTPCore
import Synchronization
import Testing

@testable import SMTPServer

/// `SMTPSettings.signer` and `onQueued`: how the executable signs submitted mail and wakes
/// the outbound queue, without the SMTP server knowing about DKIM keys or the queue.
@Suite struct SMTPSigningTests {
  static let field = "DKIM-Signature: v=1; d=example.test; b=test\r\n"

  /// What the hooks were called with.
  final class Recorder: Sendable {
    let signed = Mutex<[[UInt8]]>([])
    let wakes = Mutex(0)
  }

  static func settings(_ recorder: Recorder) -> SMTPSettings {
    var settings = SMTPFixture.defaultSettings
    settings.signer = { message in
      recorder.signed.withLock { $0.append(Array(message)) }
      return Array(Self.field.utf8)
    }
    settings.onQueued = { recorder.wakes.withLock { $0 += 1 } }
    return settings
  }

  @Test func authenticatedSubmissionIsSignedAfterTheLocalOnlyPrefix() async throws {
    let recorder = Recorder()
    try await SMTPFixture.with(settings: Self.settings(recorder), tls: true) {
      f in
      let alice = try await f.addUser("alice")
      let (c, _) = try await f.openAuthenticated("alice")
      #expect(
        try await c.sendMail(
          from: "alice@example.test", to: ["alice@example.test", "bob@remote.example"],
          message: Sample.fromAlice()
        ).hasPrefix("250"))
      // The signer saw the message as stored, trace fields included.
      let seen = try #require(recorder.signed.withLock { $0.first })
      #expect(String(decoding: seen, as: UTF8.self).hasSuffix(Sample.fromAlice()))

      let queued = try #require(try await f.store.queuedMessages().first)
      let params = OutboundParameters(decoding: queued.params)
      let body = try await f.store.bodyBytes(queued.body)
      let sent = String(decoding: body[params.skip...], as: UTF8.self)
      // What the queue sends starts with the signature, then the trace, then the message.
      #expect(sent.hasPrefix(Self.field + "Received: "))
      #expect(sent.hasSuffix(Sample.fromAlice()))
      let local = try #require(try await f.inboxText(alice).first)
      #expect(local.hasPrefix("Return-Path: <alice@example.test>\r\n" + Self.field))
      #expect(recorder.wakes.withLock { $0 } == 1)
    }
  }

  @Test func spooledSubmissionIsSignedThroughItsFileAndLeavesNoSpoolFiles() async throws {
    let recorder = Recorder()
    var settings = Self.settings(recorder)
    settings.memoryMessageLimit = 1024
    try await SMTPFixture.with(settings: settings, tls: true) { f in
      let alice = try await f.addUser("alice")
      let (c, _) = try await f.openAuthenticated("alice")
      let body = String(repeating: "a line of a message that is spooled to a file\r\n", count: 2000)
      let message = Sample.fromAlice() + body
      #expect(
        try await c.sendMail(
          from: "alice@example.test", to: ["alice@example.test", "bob@remote.example"],
          message: message
        ).hasPrefix("250"))
      let seen = try #require(recorder.signed.withLock { $0.first })
      #expect(String(decoding: seen, as: UTF8.self).hasSuffix(message))

      let queued = try #require(try await f.store.queuedMessages().first)
      let params = OutboundParameters(decoding: queued.params)
      let sent = String(
        decoding: try await f.store.bodyBytes(queued.body)[params.skip...], as: UTF8.self)
      #expect(sent.hasPrefix(Self.field + "Received: "))
      #expect(sent.hasSuffix(message))
      let local = try #require(try await f.inboxText(alice).first)
      #expect(local.hasPrefix("Return-Path: <alice@example.test>\r\n" + Self.field))
      #expect(local.hasSuffix(message))
      #expect(f.spoolFiles().isEmpty, "the spool file and its signed copy are both removed")
    }
  }

  @Test func mailFromOtherServersIsNeitherSignedNorWakesTheQueue() async throws {
    let recorder = Recorder()
    try await SMTPFixture.with(settings: Self.settings(recorder)) { f in
      let alice = try await f.addUser("alice")
      let (c, _) = try await f.open()
      _ = try await c.ehlo()
      #expect(
        try await c.sendMail(
          from: "sender@remote.example", to: ["alice@example.test"], message: Sample.plain
        ).hasPrefix("250"))
      #expect(recorder.signed.withLock { $0.isEmpty })
      let local = try #require(try await f.inboxText(alice).first)
      #expect(!local.contains("DKIM-Signature"))
      #expect(recorder.wakes.withLock { $0 } == 0)
    }
  }

  @Test func spoofedFromIsStillRefusedWhenSigning() async throws {
    let recorder = Recorder()
    try await SMTPFixture.with(settings: Self.settings(recorder), tls: true) { f in
      _ = try await f.addUser("alice")
      let (c, _) = try await f.openAuthenticated("alice")
      let spoof = Sample.fromAlice().replacingOccurrences(
        of: "alice@example.test", with: "boss@example.test")
      #expect(
        try await c.sendMail(from: "alice@example.test", to: ["bob@remote.example"], message: spoof)
          .hasPrefix("550 5.7.1"))
      #expect(try await f.store.queuedMessages().isEmpty)
    }
  }
}
