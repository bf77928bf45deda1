import Dispatch
import Glibc

/// Signals the server reacts to.
public enum ServerSignal: Sendable, Equatable {
  /// SIGTERM or SIGINT: stop gracefully.
  case terminate(Int32)
  /// SIGHUP: reload the configuration.
  case reload
}

/// Turns SIGTERM, SIGINT and SIGHUP into an `AsyncStream`.
///
/// The default action of each signal is ignored first, then a dispatch source
/// delivers it on a private queue, so signals never interrupt arbitrary code.
// @unchecked: dispatch sources are thread-safe and `sources` never changes after init.
public final class SignalWatcher: @unchecked Sendable {
  private let sources: [any DispatchSourceSignal]
  /// Signals as they arrive.
  public let signals: AsyncStream<ServerSignal>

  public init() {
    let (stream, continuation) = AsyncStream<ServerSignal>.makeStream()
    self.signals = stream
    let queue = DispatchQueue(label: "posta.signals")
    var made: [any DispatchSourceSignal] = []
    for sig in [SIGTERM, SIGINT, SIGHUP] {
      signal(sig, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
      source.setEventHandler {
        continuation.yield(sig == SIGHUP ? .reload : .terminate(sig))
      }
      source.resume()
      made.append(source)
    }
    self.sources = made
  }

  /// Stops watching; the stream ends.
  public func cancel() {
    for s in sources { s.cancel() }
  }
}
