/// A TOML table: its keys in file order and the line of the header that defined it, plus the
/// rules for building the tree from headers and `key = value` lines (TOML 1.0, "Table": a
/// table is defined once, a table implied by a dotted header may be defined later, and a name
/// never changes kind).
struct TOMLTable: Equatable, Sendable {
  /// The header's line, or the line that first implied the table; 0 for the root.
  var line: Int
  /// False for a table only implied by a dotted header (`tls` in `[[tls.certificate]]`); such
  /// a table may still get its own header later, once.
  var isExplicit: Bool
  /// A line in this table had a syntax error, so a key missing here may just be unreadable.
  var isDamaged = false
  private(set) var keys: [String] = []
  private var values: [String: TOMLValue] = [:]

  init(line: Int, isExplicit: Bool) {
    self.line = line
    self.isExplicit = isExplicit
  }

  subscript(key: String) -> TOMLValue? { values[key] }

  /// Entries in file order.
  var entries: [(key: String, value: TOMLValue)] {
    keys.compactMap { key in values[key].map { (key, $0) } }
  }

  /// Adds a new key; the caller has checked it is not there yet.
  mutating func add(_ key: String, _ value: TOMLValue) {
    keys.append(key)
    values[key] = value
  }

  /// Runs `body` on the child table at `key`, or on the last table of the array of tables at
  /// `key`, in place; nil if `key` holds neither.
  ///
  /// The child is moved out of the dictionary and out of its enum before it is changed, so it
  /// is uniquely referenced and never copied: a file with thousands of `[[x]]` headers is read
  /// in linear time.
  mutating func modifyChild<T>(_ key: String, _ body: (inout TOMLTable) -> T) -> T? {
    guard var value = values.removeValue(forKey: key) else { return nil }
    defer { values[key] = value }
    if var child = value.kind.takeTable() {
      defer { value.kind = .table(child) }
      return body(&child)
    }
    if var children = value.kind.takeTables() {
      defer { value.kind = .tableArray(children) }
      return children.isEmpty ? nil : body(&children[children.count - 1])
    }
    return nil
  }

  /// Appends to the array of tables at `key`, in place.
  mutating func appendTable(_ key: String, _ table: TOMLTable) {
    guard var value = values.removeValue(forKey: key) else { return }
    defer { values[key] = value }
    if var children = value.kind.takeTables() {
      children.append(table)
      value.kind = .tableArray(children)
    }
  }
}

extension TOMLTable {
  /// Creates the table a header names, and the tables its dotted name implies; returns why
  /// it cannot.
  mutating func define(_ parts: ArraySlice<String>, isArray: Bool, line: Int) -> String? {
    guard let key = parts.first else { return nil }
    let name = Quote.key(key)
    let isLast = parts.count == 1
    // Only a summary of the existing value is kept: a copy of the value itself would share
    // its tables and make the append below copy them all.
    guard let existing = self[key].map(Existing.init) else {
      if isLast {
        let fresh = TOMLTable(line: line, isExplicit: true)
        add(key, TOMLValue(isArray ? .tableArray([fresh]) : .table(fresh), line: line))
        return nil
      }
      var implied = TOMLTable(line: line, isExplicit: false)
      let problem = implied.define(parts.dropFirst(), isArray: isArray, line: line)
      add(key, TOMLValue(.table(implied), line: line))
      return problem
    }
    if !isLast, existing.kind != .value {
      return modifyChild(key) { $0.define(parts.dropFirst(), isArray: isArray, line: line) } ?? nil
    }
    switch existing.kind {
    case .table(let isExplicit):
      if isArray {
        return "\(name) is already a table (line \(existing.line)), not an array of tables"
      }
      if isExplicit { return "table defined twice (first on line \(existing.line))" }
      _ = modifyChild(key) { child in
        child.isExplicit = true
        child.line = line
      }
      return nil
    case .tableArray:
      guard isArray else {
        return "\(name) is an array of tables (line \(existing.line)); "
          + "write [[\(name)]] to add an entry"
      }
      appendTable(key, TOMLTable(line: line, isExplicit: true))
      return nil
    case .value:
      return "\(name) is already a value (line \(existing.line)), not a table"
    }
  }

  /// Adds `key = value` to the table at `path`; returns why it cannot.
  mutating func insert(_ value: TOMLValue, key: String, at path: ArraySlice<String>) -> String? {
    withTable(at: path) { table in
      if let existing = table[key] {
        return existing.isTable
          ? "already defined as a table on line \(existing.line)"
          : "duplicate key (first set on line \(existing.line))"
      }
      table.add(key, value)
      return nil
    } ?? nil
  }

  /// Runs `body` on the table at `path` (the last entry of an array of tables); nil if there
  /// is no such table.
  mutating func withTable<T>(at path: ArraySlice<String>, _ body: (inout TOMLTable) -> T) -> T? {
    guard let first = path.first else { return body(&self) }
    return modifyChild(first) { $0.withTable(at: path.dropFirst(), body) } ?? nil
  }

  private struct Existing {
    enum Kind: Equatable {
      case table(isExplicit: Bool)
      case tableArray
      case value
    }
    var kind: Kind
    /// The line of the table's own header, or of the array's first entry, or of the value.
    var line: Int

    init(_ value: TOMLValue) {
      switch value.kind {
      case .table(let table): (kind, line) = (.table(isExplicit: table.isExplicit), table.line)
      case .tableArray: (kind, line) = (.tableArray, value.line)
      default: (kind, line) = (.value, value.line)
      }
    }
  }
}

extension TOMLValue.Kind {
  /// The table, leaving a placeholder behind, or nil (and nothing changed) for other kinds.
  fileprivate mutating func takeTable() -> TOMLTable? {
    guard case .table(let table) = self else { return nil }
    self = .boolean(false)
    return table
  }

  /// The tables of an array of tables, leaving a placeholder behind, or nil.
  fileprivate mutating func takeTables() -> [TOMLTable]? {
    guard case .tableArray(let tables) = self else { return nil }
    self = .boolean(false)
    return tables
  }
}
