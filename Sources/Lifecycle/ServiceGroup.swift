import Log

/// Runs services together and shuts them down gracefully.
///
/// Order matters: services start in array order and are asked to stop in
/// reverse, so that (for example) listeners stop accepting before the store
/// they write to goes away.
public final class ServiceGroup: Sendable {
  private let services: [any Service]
  private let logger: Logger
  private let gracePeriod: Duration

  /// - Parameters:
  ///   - gracePeriod: how long services may take to finish after
  ///     `beginShutdown` before they are cancelled.
  public init(services: [any Service], gracePeriod: Duration, logger: Logger) {
    self.services = services
    self.gracePeriod = gracePeriod
    self.logger = logger
  }

  /// Runs every service until `shutdownTrigger` yields `.terminate` (or ends),
  /// forwarding `.reload` to `onReload`. Returns once every service has
  /// stopped. A service that throws stops the whole group (and the error is
  /// rethrown), because a server missing a listener is not what the
  /// administrator configured.
  public func run(
    until signals: AsyncStream<ServerSignal>,
    onReload: @escaping @Sendable () async -> Void = {}
  ) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
      for service in services {
        group.addTask {
          try await service.run()
        }
      }
      // The signal loop is a child too, so that a failing service ends it.
      group.addTask { [services, logger, gracePeriod] in
        for await sig in signals {
          switch sig {
          case .reload:
            logger.info("reload")
            await onReload()
          case .terminate(let n):
            logger.info("shutdown", ("signal", String(n)), ("grace", "\(gracePeriod)"))
            for service in services.reversed() {
              await service.beginShutdown()
            }
            throw ShutdownRequested()
          }
        }
      }
      // Services return only after a shutdown began; the first to throw
      // (a real failure, or the signal loop's ShutdownRequested) ends the wait.
      var finished = 0
      do {
        while try await group.next() != nil { finished += 1 }
      } catch is ShutdownRequested {
        try await drain(&group, running: services.count - finished)
      } catch {
        logger.error("service failed", ("error", "\(error)"))
        for service in services.reversed() { await service.beginShutdown() }
        group.cancelAll()
        while (try? await group.next()) != nil {}
        throw error
      }
    }
  }

  /// After shutdown began: wait for services to end within the grace period,
  /// then cancel what is left.
  private func drain(_ group: inout ThrowingTaskGroup<Void, any Error>, running: Int) async throws {
    let grace = gracePeriod
    let log = logger
    group.addTask {
      try await Task.sleep(for: grace)
      throw GraceExpired()
    }
    // `remaining` counts services still running; the grace timer is extra.
    var remaining = running
    while remaining > 0 {
      do {
        guard try await group.next() != nil else { break }
        remaining -= 1
      } catch is GraceExpired {
        log.warning("grace period over, cancelling", ("services", String(remaining)))
        group.cancelAll()
        // Cancelled services still get to return (and write their goodbyes).
        while (try? await group.next()) != nil {}
        return
      } catch is CancellationError {
        remaining -= 1
      } catch {
        log.error("service failed during shutdown", ("error", "\(error)"))
        remaining -= 1
      }
    }
    group.cancelAll()
  }
}

private struct ShutdownRequested: Error {}
private struct GraceExpired: Error {}
