import Foundation
import Glibc
import Storage

/// `posta backup DEST`: a consistent copy of `data_dir` taken while the server runs.
enum BackupCommand {
  static let restoreSteps = """
    To restore: stop the server; delete posta.db-wal and posta.db-shm in data_dir; copy
    everything in DEST into data_dir, keeping modes (cp -a DEST/. DATA_DIR/); start the
    server.
    """

  static let command = Command(
    "backup", arguments: "DEST", positional: 1...1,
    summary: "copy data_dir (database, TLS and DKIM keys) to a new directory, online",
    help: """
      Creates DEST (it must not exist, or be an empty directory, outside data_dir) and
      writes into it a consistent snapshot of the database (SQLite VACUUM INTO: one read
      transaction, so deliveries and logins go on meanwhile) and a copy of everything
      else in data_dir: TLS material (tls/), DKIM keys (dkim/) if present. Files keep
      their modes; everything is synced to disk before the command returns.

      \(restoreSteps)
      """
  ) { inv in
    let destination = StoreAccess.absolutePath(inv.arguments[0])
    return try await StoreAccess.run(inv) { access in
      let dataDir = access.config.dataDir
      let real = canonical(destination)
      let realData = canonical(dataDir)
      if real == realData || real.hasPrefix(realData + "/") {
        throw CLIError(.usage, "DEST \(destination) is inside data_dir \(dataDir)")
      }
      try prepare(destination)
      let database = try await access.store.backup(to: destination)
      // The snapshot holds password hashes: as private as the live database.
      guard chmod(database, 0o600) == 0 else {
        throw CLIError(.cantCreate, "cannot make \(database) private (errno \(errno))")
      }
      var rows = [[MailStore.databaseFileName, size(of: database), "database snapshot"]]
      rows += try await offload { try copyRest(of: dataDir, to: destination) }
      printOut("backup of \(dataDir) in \(destination):")
      printOut(TextTable.render(rows.map { ["  " + $0[0]] + $0.dropFirst() }))
      printOut(restoreSteps.replacingOccurrences(of: "\n", with: " "))
      return .ok
    }
  }

  /// Everything in `dataDir` but the live database files, copied into `destination`;
  /// one row (name, size, what) per entry.
  static func copyRest(of dataDir: String, to destination: String) throws(CLIError) -> [[String]] {
    let live = Set(["", "-wal", "-shm", "-journal"].map { MailStore.databaseFileName + $0 })
    var rows: [[String]] = []
    do throws(FileTreeCopy.Failure) {
      var copier = FileTreeCopy()
      for name in try FileTreeCopy.entries(dataDir) where !live.contains(name) {
        let before = copier.totals
        try copier.copy(dataDir + "/" + name, to: destination + "/" + name)
        let files = copier.totals.files - before.files
        let bytes = copier.totals.bytes - before.bytes
        let what = ["tls": "TLS material, ", "dkim": "DKIM keys, "][name] ?? ""
        rows.append([name, ByteSize.text(bytes), what + (files == 1 ? "1 file" : "\(files) files")])
      }
      for skipped in copier.totals.skipped {
        printError("posta backup: warning: skipped \(skipped) (not a file, directory or link)")
      }
      try FileTreeCopy.sync(destination)
    } catch {
      if case .read = error { throw CLIError(.ioError, error.description) }
      throw CLIError(.cantCreate, error.description)
    }
    return rows
  }

  /// Makes sure `path` is a new or empty directory.
  static func prepare(_ path: String) throws(CLIError) {
    var st = stat()
    if lstat(path, &st) == 0 {
      let isEmptyDirectory =
        (st.st_mode & S_IFMT) == S_IFDIR && (try? FileTreeCopy.entries(path).isEmpty) == true
      guard isEmptyDirectory else {
        throw CLIError(
          .cantCreate, "\(path) already exists; give a new directory (or an empty one)")
      }
      return
    }
    do {
      try FileManager.default.createDirectory(
        atPath: path, withIntermediateDirectories: true,
        attributes: [.posixPermissions: 0o700])
    } catch {
      throw CLIError(.cantCreate, "cannot create \(path): \(error.localizedDescription)")
    }
  }

  /// `path` with `.` and `..` removed and symbolic links resolved as far as it exists,
  /// to tell whether one directory lies inside another.
  static func canonical(_ path: String) -> String {
    var parts: [String] = []
    for c in path.split(separator: "/") where c != "." {
      if c == ".." {
        if !parts.isEmpty { parts.removeLast() }
      } else {
        parts.append(String(c))
      }
    }
    var n = parts.count
    while n > 0 {
      if let resolved = realpath("/" + parts[0..<n].joined(separator: "/"), nil) {
        defer { free(resolved) }
        let head = String(cString: resolved)
        let tail = parts[n...].joined(separator: "/")
        return tail.isEmpty ? head : (head == "/" ? "/" : head + "/") + tail
      }
      n -= 1
    }
    return "/" + parts.joined(separator: "/")
  }

  static func size(of path: String) -> String {
    var st = stat()
    return lstat(path, &st) == 0 ? ByteSize.text(Int64(st.st_size)) : "?"
  }
}
