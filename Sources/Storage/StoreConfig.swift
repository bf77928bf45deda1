import Glibc
import Log

/// How to open a `MailStore`. Only `dataDirectory` and `hostedDomains` are required.
public struct StoreConfig: Sendable {
  /// `data_dir`: created if missing; the database is `posta.db` inside it.
  public var dataDirectory: String
  /// The domains declared in the configuration file (the only source of domains).
  /// Accounts and aliases can only be created in these; they are compared lower-case.
  public var hostedDomains: [String]
  /// Reader threads (each with its own SQLite connection).
  public var readerThreads: Int = 3
  /// How long a connection waits for another process's lock before `.busy`.
  public var busyTimeoutMilliseconds: Int32 = 10_000
  /// Writes that add data fail with `.diskFull` while the file system holding
  /// `dataDirectory` has less free space than this (0 disables the check).
  public var minimumFreeBytes: Int64 = 64 << 20
  /// Most write requests committed together in one transaction.
  public var maxBatch: Int = 512
  /// After a batch of n > 1 writes, the writer waits up to this long for n new requests
  /// before it starts the next transaction, so concurrent writers keep sharing fsyncs on
  /// a disk that syncs faster than they come back (0 disables; a lone writer never waits).
  public var groupCommitWindowMicroseconds: Int = 1_000
  public var logger: Logger?
  /// Unix time in seconds; tests pass their own clock.
  public var clock: @Sendable () -> Int64 = { Int64(time(nil)) }

  public init(dataDirectory: String, hostedDomains: [String]) {
    self.dataDirectory = dataDirectory
    self.hostedDomains = hostedDomains.map { $0.lowercased() }
  }

  /// The database file inside `dataDirectory`.
  public var databasePath: String { dataDirectory + "/" + MailStore.databaseFileName }
}
