import Glibc

extension MailStore {
  /// Writes a consistent copy of the database to `directory/posta.db` while the store
  /// runs (`VACUUM INTO` on a reader connection: one read snapshot, so a body freed
  /// meanwhile is still in the copy), syncs it, and returns its path. `directory` is
  /// created if missing; an existing copy there is refused. Restoring: stop the server,
  /// copy `posta.db` into `data_dir` (removing any `posta.db-wal`/`-shm`), start.
  /// The store keeps no files besides the database; DKIM keys and TLS material under
  /// `data_dir` are for the caller to copy.
  public func backup(to directory: String) async throws(StorageError) -> String {
    let target = directory + "/" + Self.databaseFileName
    // All of it on a reader thread: the copy and its fsync can take a while.
    try await read { db throws(StorageError) in
      try FileSystem.makeDirectories(directory, mode: 0o700)
      if FileSystem.exists(target) {
        throw .io(path: target, errno: EEXIST, operation: "refusing to overwrite")
      }
      try db.run("VACUUM INTO ?", .text(target))
      try FileSystem.sync(target, directory: false)
      try FileSystem.sync(directory, directory: true)
    }
    return target
  }
}
