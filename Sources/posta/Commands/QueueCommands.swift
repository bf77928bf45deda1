import Delivery
import Foundation
import Storage

/// `posta queue list|show|retry|delete`: the outbound queue, straight from the store, so
/// they work whether or not the server runs (a running server sees a retry within a
/// second through the store's change counter).
enum QueueCommands {
  static let list = Command(
    "queue list",
    summary: "list queued outbound messages with each recipient's state",
    help: "Shows id, age, size and sender, then each recipient's state, attempts, next try "
      + "and last reply."
  ) { inv in
    try await StoreAccess.run(inv) { access in
      let messages = try await access.store.queuedMessages()
      printOut(QueueReport.list(messages, now: now()))
      return .ok
    }
  }

  static let show = Command(
    "queue show", arguments: "ID", positional: 1...1,
    summary: "show one queued message: recipients, options and original header"
  ) { inv in
    let id = try queueID(inv.arguments[0])
    return try await StoreAccess.run(inv) { access in
      guard let message = try await access.store.queuedMessage(id) else {
        throw CLIError(.noInput, "no queued message \(id)")
      }
      let header = await QueueReport.originalHeader(of: message, in: access.store)
      printOut(QueueReport.show(message, header: header, now: now()))
      return .ok
    }
  }

  static let retry = Command(
    "queue retry", arguments: "ID", positional: 0...1,
    options: [.flag("all", "retry every queued message")],
    summary: "make deferred recipients due now (one message, or --all)"
  ) { inv in
    let all = inv.flags.contains("all")
    guard all != (inv.arguments.count == 1) else {
      throw CLIError(.usage, "queue retry takes a message ID or --all (not both)")
    }
    let id = try inv.arguments.first.map(queueID)
    return try await StoreAccess.run(inv) { access in
      let count = try await access.store.retryQueue(id)
      printOut("\(count) recipient(s) will be tried again now")
      return .ok
    }
  }

  static let delete = Command(
    "queue delete", arguments: "ID", positional: 1...1,
    summary: "remove a queued message without sending a bounce"
  ) { inv in
    let id = try queueID(inv.arguments[0])
    return try await StoreAccess.run(inv) { access in
      try await access.store.deleteQueued(id)
      printOut("deleted queued message \(id)")
      return .ok
    }
  }

  private static func queueID(_ text: String) throws(CLIError) -> QueueID {
    guard let raw = Int64(text), raw > 0 else {
      throw CLIError(.usage, "\"\(text)\" is not a queue ID (a number, as queue list shows)")
    }
    return QueueID(raw)
  }

  private static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }
}
