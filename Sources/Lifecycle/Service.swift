/// Services and their graceful shutdown.
///
/// A `ServiceGroup` runs long-lived services (listeners, the queue runner…) as
/// children of one task group. SIGTERM/SIGINT start a graceful shutdown: each
/// service is asked to stop in reverse start order, gets a grace period to
/// finish its work, and is cancelled after it. SIGHUP is forwarded to a reload
/// handler. Nothing here knows about protocols.

/// A long-running part of the server.
public protocol Service: Sendable {
  /// A short name for logs.
  var name: String { get }
  /// Runs until the service has stopped (after `beginShutdown` or cancellation).
  func run() async throws
  /// Asks the service to stop taking new work and to finish what it has.
  /// Must return promptly; `run()` returns once the work is done.
  func beginShutdown() async
}
