import Auth
import Crypto
import Foundation
import Storage

/// `posta app-password add|list|revoke`: per-client passwords an account can revoke one
/// by one. They log in to SMTP, POP3 and IMAP but cannot change the account.
enum AppPasswordCommands {
  /// Letters and digits without look-alikes (0/o, 1/l/i), lower case so a phone keyboard
  /// needs no shift.
  static let alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
  /// 16 characters from 31: about 79 bits, far beyond guessing through the login throttle.
  static let groups = 4
  static let groupLength = 4
  static let maxNameLength = 64

  static let add = Command(
    "app-password add", arguments: "ADDRESS", positional: 1...1,
    options: [.value("name", "what the password is for, e.g. \"phone\" (required)")],
    summary: "generate an app password for one mail client; printed once",
    help: """
      Generates a random password, stores only its hash, and prints it once as the last
      word of the output (xxxx-xxxx-xxxx-xxxx). It logs in to SMTP, POP3 and IMAP like the
      account password, but cannot be used to change the account. Revoke it by NAME.

      POSTA_KDF_ITERATIONS does not apply: an app password is hashed with the account
      password's salt and iteration count (SCRAM-SHA-256 announces one salt per account).
      """
  ) { inv in
    guard let name = inv.values["name"] else {
      throw CLIError(.usage, "--name NAME is required")
    }
    try checkName(name)
    return try await StoreAccess.run(inv) { access in
      let address = try access.accountAddress(inv.arguments[0])
      guard let credentials = try await access.store.credentials(login: address) else {
        throw CLIError(.noUser, "no account \(address)")
      }
      guard let stored = credentials.passwordHash,
        let accountHash = try? PasswordHash(storedBytes: stored)
      else {
        throw CLIError(
          .dataError, "\(address) has no usable password; set one with `posta user passwd` first")
      }
      if credentials.appPasswords.contains(where: { $0.name == name }) {
        throw CLIError(.dataError, "\(address) already has an app password named \(name)")
      }
      let password = try generate()
      // The account's own count, whatever POSTA_KDF_ITERATIONS says: only the salt and
      // count of `accountHash` are used.
      let hasher = PasswordHasher(iterations: accountHash.parameters.iterations, threads: 1)
      defer { hasher.shutdown() }
      let hash = try await hasher.hash(appPassword: password, sharingWith: accountHash)
      _ = try await access.store.addAppPassword(
        credentials.account.id, name: name, hash: hash.storedBytes)
      printOut("app password \"\(name)\" for \(address), shown only this once:\n\(password)")
      return .ok
    }
  }

  static let list = Command(
    "app-password list", arguments: "ADDRESS", positional: 1...1,
    summary: "list an account's app passwords (names and dates, never the passwords)"
  ) { inv in
    try await StoreAccess.run(inv) { access in
      let address = try access.accountAddress(inv.arguments[0])
      let account = try await access.requireAccount(address)
      let passwords = try await access.store.appPasswords(account.id)
      if passwords.isEmpty {
        printError("posta app-password list: \(address) has no app passwords")
        return .ok
      }
      var rows = [["NAME", "CREATED", "LAST USED"]]
      for p in passwords {
        rows.append([p.name, date(p.created), p.lastUsed.map(date) ?? "never"])
      }
      printOut(TextTable.render(rows))
      return .ok
    }
  }

  static let revoke = Command(
    "app-password revoke", arguments: "ADDRESS NAME", positional: 2...2,
    summary: "revoke one app password; it stops working at once"
  ) { inv in
    try await StoreAccess.run(inv) { access in
      let address = try access.accountAddress(inv.arguments[0])
      let account = try await access.requireAccount(address)
      let name = inv.arguments[1]
      do {
        try await access.store.revokeAppPassword(account.id, name: name)
      } catch StorageError.appPasswordNotFound {
        throw CLIError(.dataError, "\(address) has no app password named \(name)")
      }
      printOut("revoked app password \"\(name)\" of \(address)")
      return .ok
    }
  }

  /// A new app password: `groups` groups of `groupLength` characters joined by `-`.
  static func generate() throws(CLIError) -> String {
    do {
      let raw = try SecureRandom.string(length: groups * groupLength, alphabet: alphabet)
      var groupsOut: [Substring] = []
      var rest = Substring(raw)
      while !rest.isEmpty {
        groupsOut.append(rest.prefix(groupLength))
        rest = rest.dropFirst(groupLength)
      }
      return groupsOut.joined(separator: "-")
    } catch {
      throw CLIError(.software, "no random bytes: \(error)")
    }
  }

  static func checkName(_ name: String) throws(CLIError) {
    guard !name.isEmpty, name.count <= maxNameLength,
      !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
    else {
      throw CLIError(
        .usage, "--name must be 1 to \(maxNameLength) characters without control characters")
    }
  }

  /// `2025-01-31 14:05 UTC`.
  static func date(_ unixSeconds: Int64) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
    return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(unixSeconds)))
  }
}
