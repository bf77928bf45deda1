import Foundation
import MIME
import Storage

/// Text for `posta queue list` and `posta queue show`. The other queue commands are one
/// store call each: `retry ID|--all` is `MailStore.retryQueue(id)` / `retryQueue(nil)`
/// (the running runner sees it within a second), `delete ID` is `deleteQueued(id)`.
public enum QueueReport {
  /// One block per message: id, age, size, sender, then one line per recipient with its
  /// state, attempts, next try and last reply. "Queue is empty" for none.
  public static func list(_ messages: [QueuedMessage], now: Int64) -> String {
    guard !messages.isEmpty else { return "Queue is empty\n" }
    var out = ""
    for m in messages {
      out += summary(m, now: now)
      for r in m.recipients { out += recipientLine(r, now: now) }
    }
    let count = messages.reduce(0) { $0 + $1.recipients.filter { !$0.state.isFinal }.count }
    out += "\(messages.count) message(s), \(count) recipient(s) waiting\n"
    return out
  }

  /// `list`'s block plus the queueing details and the original header fields.
  public static func show(_ m: QueuedMessage, header: [UInt8], now: Int64) -> String {
    var out = summary(m, now: now)
    let params = QueueParameters(decoding: m.params)
    out += "  queued:    \(DeliveryStatusNotification.format(m.created))\n"
    if let submitter = params.submitter { out += "  submitted by: \(submitter)\n" }
    var options: [String] = []
    if let body = params.body { options.append("BODY=\(body.rawValue)") }
    if params.smtputf8 { options.append("SMTPUTF8") }
    if let ret = params.ret { options.append("RET=\(ret.rawValue)") }
    if let envid = params.envelopeID { options.append("ENVID=\(envid)") }
    if !options.isEmpty { out += "  options:   \(options.joined(separator: " "))\n" }
    for r in m.recipients {
      out += recipientLine(r, now: now)
      if !r.params.isEmpty { out += "      options: \(r.params)\n" }
    }
    if !header.isEmpty {
      out += "  header:\n"
      for line in String(decoding: header, as: UTF8.self).split(
        separator: "\r\n", omittingEmptySubsequences: true)
      {
        out += "    \(line)\n"
      }
    }
    return out
  }

  /// The header fields of a queued message as sent (complete fields, at most `limit`
  /// octets); empty when the body cannot be read.
  public static func originalHeader(
    of m: QueuedMessage, in store: MailStore, limit: Int = 64 * 1024
  )
    async -> [UInt8]
  {
    let skip = min(Int64(QueueParameters(decoding: m.params).skip), m.size)
    let end = min(m.size, skip + Int64(limit))
    guard end > skip, let bytes = try? await store.bodyBytes(m.body, range: skip..<end) else {
      return []
    }
    let header = Header.parse(bytes)
    var fields = header.fields[...]
    // A field cut by the limit is left out.
    if !header.endsWithBlankLine && end < m.size { fields = fields.dropLast() }
    guard let last = fields.last else { return [] }
    return Array(bytes[0..<last.range.upperBound])
  }

  private static func summary(_ m: QueuedMessage, now: Int64) -> String {
    let sender = m.sender.isEmpty ? "<> (bounce)" : "<\(m.sender)>"
    return "\(m.id)  \(duration(now - m.created)) old  \(size(m.size))  from \(sender)\n"
  }

  private static func recipientLine(_ r: QueuedRecipient, now: Int64) -> String {
    var line = "    \(r.address)  "
    var reply: String?
    switch r.state {
    case .pending:
      line += "pending"
    case .deferred(let next, let last):
      line += "deferred, next try " + (next <= now ? "now" : "in \(duration(next - now))")
      reply = last
    case .delivered(let last):
      line += "delivered"
      reply = last
    case .failed(let last):
      line += "failed"
      reply = last
    }
    line += ", \(r.attempts) attempt\(r.attempts == 1 ? "" : "s")\n"
    if let reply, !reply.isEmpty { line += "      last reply: \(reply)\n" }
    return line
  }

  /// `45s`, `12m`, `3h 5m`, `2d 4h`.
  static func duration(_ seconds: Int64) -> String {
    let s = max(0, seconds)
    if s < 60 { return "\(s)s" }
    if s < 3600 { return "\(s / 60)m" }
    if s < 86_400 { return "\(s / 3600)h \(s % 3600 / 60)m" }
    return "\(s / 86_400)d \(s % 86_400 / 3600)h"
  }

  static func size(_ bytes: Int64) -> String {
    if bytes < 1024 { return "\(bytes) B" }
    if bytes < 1024 * 1024 { return "\(bytes / 1024) KiB" }
    return String(format: "%.1f MiB", Double(bytes) / 1_048_576)
  }
}
