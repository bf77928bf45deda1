import MIME

/// The header fields put in front of a message: what goes to every copy, and how many of
/// its first octets only local copies get (`Return-Path:`).
struct MessagePrefix: Sendable {
  var bytes: [UInt8]
  /// `bytes[0..<localOnly]` is for local delivery only; the queue entry skips it.
  var localOnly: Int

  /// The prefix with `fields` inserted at `offset` (so the message still starts where it
  /// says after they were inserted into it there).
  func inserting(_ fields: [UInt8], at offset: Int) -> MessagePrefix {
    let split = min(offset, bytes.count)
    return MessagePrefix(
      bytes: Array(bytes[..<split]) + fields + Array(bytes[split...]), localOnly: localOnly)
  }
}

/// How to build the prefix once the start of the message is known: fixed trace fields,
/// plus `Message-ID:` and `Date:` on submission when the message has none.
struct PrefixPlan: Sendable {
  /// `Return-Path:` (when there are local recipients), empty otherwise.
  var returnPath: [UInt8]
  var received: [UInt8]
  /// The host for a new Message-ID, when missing fields are to be added (submission).
  var submissionHost: String?

  /// The prefix for a message starting with `message` (the whole message, or its first
  /// `SMTPSettings.memoryMessageLimit` octets: a header section longer than that is
  /// searched only that far).
  func prefix(for message: [UInt8]) -> MessagePrefix {
    var bytes = returnPath + received
    if let host = submissionHost {
      let header = Header.parse(message)
      if header.first(named: "Message-ID") == nil { bytes += TraceFields.messageID(host: host) }
      if header.first(named: "Date") == nil { bytes += TraceFields.date() }
    }
    return MessagePrefix(bytes: bytes, localOnly: returnPath.count)
  }
}

/// A received message ready for the store.
enum ReceivedMessage {
  /// Prefix and message in one buffer.
  case memory([UInt8], prefix: MessagePrefix)
  /// Prefix and message in a spool file (closed; remove it after delivery).
  case file(SpoolFile, size: Int, prefix: MessagePrefix)

  /// The spool file holding the message, if any.
  var spoolFile: SpoolFile? {
    if case .file(let file, _, _) = self { return file }
    return nil
  }
}

/// Where a message's bytes go while they arrive: memory up to a limit, then a spool file
/// that starts with the prefix. Decoders append to `buffer`, then call `didAppend`.
///
/// A spool write failure is remembered and the rest of the message is dropped as it
/// arrives, so the session reads on to the real end of data before it answers.
final class MessageSink {
  /// Pending spool writes are batched to this size.
  static let writeChunk = 256 * 1024

  /// Message bytes not yet written anywhere; decoders append here.
  var buffer: [UInt8] = []
  private let memoryLimit: Int
  private let spool: SpoolDirectory
  private let plan: PrefixPlan
  private var prefix: MessagePrefix?
  private var file: SpoolFile?
  private var written = 0
  private(set) var failure: SpoolError?

  init(memoryLimit: Int, spool: SpoolDirectory, plan: PrefixPlan) {
    self.memoryLimit = memoryLimit
    self.spool = spool
    self.plan = plan
  }

  /// Spills to the spool file once the message outgrows memory, and writes in batches.
  func didAppend() async {
    if failure != nil {
      buffer.removeAll(keepingCapacity: true)
      return
    }
    if file == nil {
      guard buffer.count > memoryLimit else { return }
      let prefix = plan.prefix(for: buffer)
      self.prefix = prefix
      do {
        file = try await spool.create()
      } catch {
        await fail(error)
        return
      }
      buffer = prefix.bytes + buffer
    }
    if buffer.count >= Self.writeChunk { await write() }
  }

  /// The whole message with its prefix, or why it could not be kept.
  func finish() async -> Result<ReceivedMessage, SpoolError> {
    if let failure { return .failure(failure) }
    guard let file, let prefix else {
      let prefix = plan.prefix(for: buffer)
      let bytes = prefix.bytes + buffer
      buffer = []
      return .success(.memory(bytes, prefix: prefix))
    }
    await write()
    if let failure { return .failure(failure) }
    file.close()
    self.file = nil
    return .success(.file(file, size: written, prefix: prefix))
  }

  /// Drops the message: the spool file, if any, is removed.
  func discard() async {
    buffer = []
    if let file {
      self.file = nil
      await file.remove()
    }
  }

  private func write() async {
    guard let file, !buffer.isEmpty else { return }
    let bytes = buffer
    buffer = []
    do {
      try await file.write(bytes)
      written += bytes.count
    } catch {
      await fail(error)
    }
  }

  private func fail(_ error: SpoolError) async {
    failure = error
    buffer = []
    if let file {
      self.file = nil
      await file.remove()
    }
  }
}
