import Auth
import Storage

/// `posta user add|del|passwd|list|quota`: accounts, their passwords and quotas.
enum UserCommands {
  static let passwordHelp = """
    The password is asked twice on a terminal (not echoed); otherwise it is read from
    standard input to its end, one trailing LF or CRLF removed (--password-stdin forces
    this on a terminal too). It is never taken from the command line. Any non-empty
    password is accepted; a short or one-kind-of-character one gets a warning.

    POSTA_KDF_ITERATIONS (tests only) sets the PBKDF2 iteration count instead of the
    default \(PasswordHasher.defaultIterations); a lower count makes the hash cheap to crack.
    """

  static let add = Command(
    "user add", arguments: "ADDRESS", positional: 1...1,
    options: [
      .value("quota", "storage quota: 2G, 500M, bytes, or none (the default)"),
      .flag("password-stdin", "read the password from standard input even on a terminal"),
    ],
    summary: "create an account with its default mailboxes",
    help: """
      Creates ADDRESS (local@domain; the domain must be declared in the config) with
      INBOX, Sent, Drafts, Trash, Junk and Archive.

      \(passwordHelp)
      """
  ) { inv in
    let quota = try inv.values["quota"].flatMap { v throws(CLIError) in
      try ByteSize.parseQuota(v)
    }
    return try await StoreAccess.run(inv) { access in
      let address = try access.accountAddress(inv.arguments[0], declared: true)
      if try await access.store.account(address: address) != nil {
        throw CLIError(.dataError, "account \(address) already exists")
      }
      let fromStdin = inv.flags.contains("password-stdin")
      let name = inv.command.name
      // Blocking reads of stdin or the terminal: off the cooperative threads.
      let password = try await offload {
        try PasswordPrompt.newPassword(for: address, fromStdin: fromStdin, command: name)
      }
      let hasher = try access.makeHasher(command: inv.command.name)
      defer { hasher.shutdown() }
      let hash = try await hasher.hash(newPassword: password)
      let account = try await access.store.createAccount(
        address: address, passwordHash: hash.storedBytes, quotaBytes: quota)
      printOut("created account \(account.address) (quota \(ByteSize.quotaText(quota)))")
      return .ok
    }
  }

  static let del = Command(
    "user del", arguments: "ADDRESS", positional: 1...1,
    summary: "delete an account with all its mail and app passwords",
    help: """
      Deletes the account, its mailboxes and messages, and its app passwords, at once and
      for good (a running server refuses its logins from then on). Aliases pointing at it
      are kept and named in a warning; remove them with `posta alias del`.
      """
  ) { inv in
    try await StoreAccess.run(inv) { access in
      let address = try access.accountAddress(inv.arguments[0])
      let account = try await access.requireAccount(address)
      try await access.store.deleteAccount(account.id)
      printOut(
        "deleted account \(address) (\(account.usedMessages) messages, "
          + "\(ByteSize.text(account.usedBytes)))")
      let pointing = try await access.store.aliases().filter { $0.targets.contains(address) }
      if !pointing.isEmpty {
        printError(
          "posta user del: warning: still forwarding to \(address): "
            + pointing.map(\.address).joined(separator: ", "))
      }
      return .ok
    }
  }

  static let passwd = Command(
    "user passwd", arguments: "ADDRESS", positional: 1...1,
    options: [
      .flag("password-stdin", "read the password from standard input even on a terminal")
    ],
    summary: "set an account's password",
    help: """
      Replaces the account password; its app passwords stay valid. Takes effect at once,
      also in a running server.

      \(passwordHelp)
      """
  ) { inv in
    try await StoreAccess.run(inv) { access in
      let address = try access.accountAddress(inv.arguments[0])
      guard let current = try await access.store.credentials(login: address) else {
        throw CLIError(.noUser, "no account \(address)")
      }
      let fromStdin = inv.flags.contains("password-stdin")
      let name = inv.command.name
      // Blocking reads of stdin or the terminal: off the cooperative threads.
      let password = try await offload {
        try PasswordPrompt.newPassword(for: address, fromStdin: fromStdin, command: name)
      }
      let hasher = try access.makeHasher(command: inv.command.name)
      defer { hasher.shutdown() }
      let previous = current.passwordHash.flatMap { try? PasswordHash(storedBytes: $0) }
      let hash: PasswordHash
      if let previous {
        hash = try await hasher.hash(changedPassword: password, replacing: previous)
      } else {
        hash = try await hasher.hash(newPassword: password)
      }
      try await access.store.setPassword(current.account.id, hash: hash.storedBytes)
      printOut("password of \(address) changed")
      if !current.appPasswords.isEmpty && hash.parameters != previous?.parameters {
        // App passwords share the account's salt for SCRAM (see KDFParameters).
        printError(
          "posta user passwd: note: the password now has a new salt and iteration count; "
            + "existing app passwords keep working with PLAIN and LOGIN, but not with "
            + "SCRAM-SHA-256 until they are created again")
      }
      return .ok
    }
  }

  static let list = Command(
    "user list", arguments: "[DOMAIN]", positional: 0...1,
    summary: "list accounts with their quota and usage",
    help: "Lists every account, or those of DOMAIN, sorted by address."
  ) { inv in
    try await StoreAccess.run(inv) { access in
      var domain: String?
      if let d = inv.arguments.first?.lowercased() {
        try access.requireDeclared(domain: d)
        domain = d
      }
      let accounts = try await access.store.accounts(domain: domain)
      if accounts.isEmpty {
        printError("posta user list: no accounts" + (domain.map { " in \($0)" } ?? ""))
        return .ok
      }
      var rows = [["ADDRESS", "QUOTA", "USED", "MESSAGES"]]
      for a in accounts {
        rows.append([
          a.address, ByteSize.quotaText(a.quotaBytes), ByteSize.text(a.usedBytes),
          String(a.usedMessages) + (a.enabled ? "" : "  (disabled)"),
        ])
      }
      printOut(TextTable.render(rows))
      return .ok
    }
  }

  static let quota = Command(
    "user quota", arguments: "ADDRESS SIZE", positional: 2...2,
    summary: "set an account's storage quota (2G, 500M, none)",
    help: """
      SIZE is a number of bytes, or a number with K, M, G or T (binary units), or none
      for no limit. A quota below the current usage keeps the mail but refuses new mail
      until usage drops under it.
      """
  ) { inv in
    let bytes = try ByteSize.parseQuota(inv.arguments[1])
    return try await StoreAccess.run(inv) { access in
      let address = try access.accountAddress(inv.arguments[0])
      let account = try await access.requireAccount(address)
      try await access.store.setQuota(
        account.id, bytes: bytes, messages: account.quotaMessages)
      printOut(
        "quota of \(address) set to \(ByteSize.quotaText(bytes)) "
          + "(\(ByteSize.text(account.usedBytes)) used)")
      if let bytes, account.usedBytes > bytes {
        printError(
          "posta user quota: warning: \(address) is already over the new quota; new mail "
            + "is refused until its usage drops below it")
      }
      return .ok
    }
  }

}
