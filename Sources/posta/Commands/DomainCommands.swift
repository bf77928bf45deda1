/// `posta domain list`. Domains live only in the configuration file (`[[domain]]`); there
/// is no `domain add`, so the config stays the one place that declares them.
enum DomainCommands {
  static let list = Command(
    "domain list", summary: "list the domains declared in the config, with their account counts",
    help: """
      Domains are declared in the configuration file only: to add one, add a [[domain]]
      table to it and reload the server. Accounts left in the database for a domain no
      longer declared are listed too, marked so.
      """
  ) { inv in
    try await StoreAccess.run(inv) { access in
      var counts: [String: Int] = [:]
      for account in try await access.store.accounts() { counts[account.domain, default: 0] += 1 }
      var rows = [["DOMAIN", "ACCOUNTS"]]
      for domain in access.config.domains {
        rows.append([domain.name, String(counts.removeValue(forKey: domain.name) ?? 0)])
      }
      for (name, count) in counts.sorted(by: { $0.key < $1.key }) {
        rows.append([name, "\(count)  (not declared in the config)"])
      }
      printOut(TextTable.render(rows))
      return .ok
    }
  }

}
