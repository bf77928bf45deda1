import Auth
import Storage

/// `posta alias add|del|list`: addresses that forward to accounts or to other servers,
/// and each domain's catch-all (written `@domain`).
enum AliasCommands {
  static let add = Command(
    "alias add", arguments: "ALIAS TARGET...", positional: 2...Int.max,
    summary: "forward ALIAS (or @domain, the catch-all) to one or more addresses",
    help: """
      ALIAS is local@domain in a domain declared in the config, or @domain for the
      catch-all of that domain (mail to any address there without an account or alias).
      Each TARGET is an account or alias here, or an address elsewhere. Adding targets to
      an existing alias keeps its other targets. Refused: loops (a chain of aliases that
      comes back to ALIAS), local targets that are neither account nor alias, and an
      ALIAS that is an account's address.
      """
  ) { inv in
    try await StoreAccess.run(inv) { access in
      let alias = try source(inv.arguments[0], access)
      var targets: [String] = []
      for raw in inv.arguments.dropFirst() {
        guard let t = LoginName.normalize(raw), t == raw.lowercased() else {
          throw CLIError(.dataError, "invalid target \"\(raw)\": expected local@domain")
        }
        if !targets.contains(t) { targets.append(t) }
      }
      let existing = try await access.store.aliases().first { $0.address == alias }?.targets ?? []
      let merged = existing + targets.filter { !existing.contains($0) }
      let saved: Alias
      do {
        saved = try await access.store.setAlias(alias, targets: merged)
      } catch StorageError.accountNotFound(let missing) {
        throw CLIError(.noUser, "\(missing) is neither an account nor an alias here")
      }
      printOut("\(saved.address) -> \(saved.targets.joined(separator: ", "))")
      return .ok
    }
  }

  static let del = Command(
    "alias del", arguments: "ALIAS [TARGET...]", positional: 1...Int.max,
    summary: "delete an alias, or only some of its targets",
    help: "Without TARGET the whole alias goes; with them, only those targets."
  ) { inv in
    try await StoreAccess.run(inv) { access in
      let alias = try source(inv.arguments[0], access, declared: false)
      guard let existing = try await access.store.aliases().first(where: { $0.address == alias })
      else { throw CLIError(.noUser, "no alias \(alias)") }
      let remove = Set(inv.arguments.dropFirst().map { $0.lowercased() })
      if let missing = remove.sorted().first(where: { !existing.targets.contains($0) }) {
        throw CLIError(.dataError, "\(alias) does not forward to \(missing)")
      }
      let kept = existing.targets.filter { !remove.contains($0) }
      if remove.isEmpty || kept.isEmpty {
        try await access.store.deleteAlias(alias)
        printOut("deleted alias \(alias)")
      } else {
        let saved = try await access.store.setAlias(alias, targets: kept)
        printOut("\(saved.address) -> \(saved.targets.joined(separator: ", "))")
      }
      return .ok
    }
  }

  static let list = Command(
    "alias list", summary: "list aliases and catch-alls with their targets"
  ) { inv in
    try await StoreAccess.run(inv) { access in
      let aliases = try await access.store.aliases()
      if aliases.isEmpty {
        printError("posta alias list: no aliases")
        return .ok
      }
      printOut(
        TextTable.render(aliases.map { [$0.address, "-> " + $0.targets.joined(separator: ", ")] }))
      return .ok
    }
  }

  /// The normalised alias address (`local@domain`, or `@domain` for a catch-all), its
  /// domain checked against the configuration when `declared`.
  static func source(_ raw: String, _ access: StoreAccess, declared: Bool = true)
    throws(CLIError) -> String
  {
    let normalized: String?
    if raw.hasPrefix("@") {
      normalized = LoginName.normalize("postmaster" + raw).map { "@" + StoreAccess.domain(of: $0) }
    } else {
      normalized = LoginName.normalize(raw)
    }
    guard let normalized, normalized == raw.lowercased() else {
      throw CLIError(
        .dataError, "invalid alias \"\(raw)\": expected local@domain, or @domain for a catch-all")
    }
    if declared { try access.requireDeclared(domain: StoreAccess.domain(of: normalized)) }
    return normalized
  }
}
