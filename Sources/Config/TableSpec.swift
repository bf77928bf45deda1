/// One table of the configuration (or the top level), with its keys, and how its entries
/// become a field of `PostaConfig`. The generic constructors erase the section type so
/// `ConfigSchema` can list all tables in one array.
struct TableSpec: Sendable {
  enum Shape: Sendable, Equatable {
    /// Top-level keys.
    case root
    /// `[name]`, optional; when absent every key takes its default.
    case table
    /// `[[name]]`, repeated; `minimum` entries are required.
    case array(minimum: Int)
  }

  /// What the reference needs to know about a key.
  struct KeyDoc: Sendable {
    var name: String
    var type: ValueType
    var defaultValue: KeyDefault
    var doc: String
  }

  /// Dotted name as written in headers (`tls.certificate`); "" for the top level.
  let name: String
  let shape: Shape
  let doc: String
  let keys: [KeyDoc]
  /// Reads the table's instances into `config`, appending problems.
  let decode:
    @Sendable (
      _ instances: [TOMLTable], _ config: inout PostaConfig, DecodeContext,
      _ problems: inout [Problem]
    ) -> Void

  /// `[name]`, `[[name]]`, or "" for the top level: how messages name the table.
  var header: String {
    switch shape {
    case .root: ""
    case .table: "[\(name)]"
    case .array: "[[\(name)]]"
    }
  }

  /// Runs after a section's keys are read, to fill computed defaults and check keys
  /// against each other; `source` gives the lines and which keys the file set.
  typealias Finish<S> =
    @Sendable (_ section: inout S, _ source: TOMLTable, DecodeContext, _ problems: inout [Problem])
    -> Void
  /// Runs over all valid entries of a table, for checks across entries (duplicates).
  typealias Check<S> = @Sendable (_ entries: [(S, TOMLTable)], _ problems: inout [Problem]) -> Void

  private init<S>(
    name: String, shape: Shape, doc: String, keys: [KeySpec<S>],
    decode:
      @escaping @Sendable ([TOMLTable], inout PostaConfig, DecodeContext, inout [Problem])
      -> Void
  ) {
    self.name = name
    self.shape = shape
    self.doc = doc
    self.keys = keys.map {
      KeyDoc(name: $0.name, type: $0.type, defaultValue: $0.defaultValue, doc: $0.doc)
    }
    self.decode = decode
  }

  /// The top-level keys, read straight into `PostaConfig`.
  static func root(
    doc: String, keys: [KeySpec<PostaConfig>], finish: Finish<PostaConfig>? = nil
  ) -> TableSpec {
    TableSpec(name: "", shape: .root, doc: doc, keys: keys) {
      instances, config, context, problems in
      let source = instances.first ?? TOMLTable(line: 0, isExplicit: false)
      var (section, _) = decodeSection(
        source, header: "", tableName: "", start: config, keys: keys, context: context,
        problems: &problems)
      finish?(&section, source, context, &problems)
      config = section
    }
  }

  /// A single optional `[name]` table read into one field; when it is absent every key
  /// takes its default.
  static func table<S: Sendable>(
    _ name: String, doc: String, into field: WritableKeyPath<PostaConfig, S> & Sendable,
    start: S, keys: [KeySpec<S>], finish: Finish<S>? = nil, check: Check<S>? = nil
  ) -> TableSpec {
    let header = "[\(name)]"
    return TableSpec(name: name, shape: .table, doc: doc, keys: keys) {
      instances, config, context, problems in
      let source = instances.first ?? TOMLTable(line: 0, isExplicit: false)
      var (section, valid) = decodeSection(
        source, header: header, tableName: name, start: start, keys: keys, context: context,
        problems: &problems)
      if valid { finish?(&section, source, context, &problems) }
      check?([(section, source)], &problems)
      config[keyPath: field] = section
    }
  }

  /// A `[name]` table whose absence means the feature is off: the field stays nil, and
  /// required keys are required only when the table is written.
  static func optionalTable<S: Sendable>(
    _ name: String, doc: String, into field: WritableKeyPath<PostaConfig, S?> & Sendable,
    start: S, keys: [KeySpec<S>], finish: Finish<S>? = nil
  ) -> TableSpec {
    let header = "[\(name)]"
    return TableSpec(name: name, shape: .table, doc: doc, keys: keys) {
      instances, config, context, problems in
      guard let source = instances.first else {
        config[keyPath: field] = nil
        return
      }
      var (section, valid) = decodeSection(
        source, header: header, tableName: name, start: start, keys: keys, context: context,
        problems: &problems)
      guard valid else {
        config[keyPath: field] = nil
        return
      }
      finish?(&section, source, context, &problems)
      config[keyPath: field] = section
    }
  }

  /// Repeated `[[name]]` tables read into an array field; entries with errors are left out.
  static func array<S: Sendable>(
    _ name: String, minimum: Int, doc: String,
    into field: WritableKeyPath<PostaConfig, [S]> & Sendable, start: S, keys: [KeySpec<S>],
    finish: Finish<S>? = nil, check: Check<S>? = nil
  ) -> TableSpec {
    let header = "[[\(name)]]"
    return TableSpec(name: name, shape: .array(minimum: minimum), doc: doc, keys: keys) {
      instances, config, context, problems in
      var entries: [(S, TOMLTable)] = []
      for source in instances {
        var (section, valid) = decodeSection(
          source, header: header, tableName: name, start: start, keys: keys, context: context,
          problems: &problems)
        guard valid else { continue }
        finish?(&section, source, context, &problems)
        entries.append((section, source))
      }
      check?(entries, &problems)
      if instances.count < minimum {
        let count = minimum == 1 ? "one" : String(minimum)
        problems.append(
          Problem(
            line: nil, message: "at least \(count) \(header) is required", isConsequential: true))
      }
      config[keyPath: field] = entries.map(\.0)
    }
  }

  /// Reads the keys of one table into `start`: unknown keys and sub-tables are errors,
  /// missing keys take their defaults, missing required keys are errors.
  private static func decodeSection<S>(
    _ source: TOMLTable, header: String, tableName: String, start: S, keys: [KeySpec<S>],
    context: DecodeContext, problems: inout [Problem]
  ) -> (section: S, valid: Bool) {
    var section = start
    var valid = true
    let tableLine = source.line == 0 ? nil : source.line
    for (key, value) in source.entries {
      let subject = Quote.subject(header: header, key: key)
      if let spec = keys.first(where: { $0.name == key }) {
        do throws(ValueError) {
          try spec.assign(&section, value, context)
        } catch {
          problems.append(
            Problem(line: error.line ?? value.line, message: "\(subject): \(error.message)"))
          valid = false
        }
      } else if value.isTable {
        let nested = tableName.isEmpty ? Quote.key(key) : "\(tableName).\(Quote.key(key))"
        let brackets = if case .tableArray = value.kind { ("[[", "]]") } else { ("[", "]") }
        problems.append(
          Problem(line: value.line, message: "\(brackets.0)\(nested)\(brackets.1): unknown table"))
        valid = false
      } else {
        var message = "\(subject): unknown key"
        if let guess = Suggest.closest(to: key, among: keys.map(\.name)) {
          message += " (did you mean \(guess)?)"
        }
        problems.append(Problem(line: value.line, message: message))
        valid = false
      }
    }
    for spec in keys where source[spec.name] == nil {
      let subject = Quote.subject(header: header, key: spec.name)
      switch spec.defaultValue {
      case .value(let kind):
        do throws(ValueError) {
          try spec.assign(&section, TOMLValue(kind, line: 0), context)
        } catch {
          problems.append(
            Problem(line: nil, message: "\(subject): built-in default is invalid: \(error.message)")
          )
          valid = false
        }
      case .computed: break
      case .required:
        valid = false
        if !source.isDamaged {
          problems.append(Problem(line: tableLine, message: "\(subject): required key is missing"))
        }
      }
    }
    return (section, valid)
  }
}

/// Close spellings for "did you mean" hints.
enum Suggest {
  /// The candidate nearest to `word` by edit distance, if it is a likely typo.
  static func closest(to word: String, among candidates: [String]) -> String? {
    let scored = candidates.map { ($0, distance(Array(word.utf8), Array($0.utf8))) }
    guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
    return best.1 <= max(1, min(2, word.utf8.count / 3)) ? best.0 : nil
  }

  /// Levenshtein distance; inputs are short key names, and hostile long keys are cut off.
  private static func distance(_ a: [UInt8], _ b: [UInt8]) -> Int {
    let a = Array(a.prefix(64))
    let b = Array(b.prefix(64))
    var previous = Array(0...b.count)
    for (i, x) in a.enumerated() {
      var row = [i + 1]
      for (j, y) in b.enumerated() {
        row.append(Swift.min(previous[j + 1] + 1, row[j] + 1, previous[j] + (x == y ? 0 : 1)))
      }
      previous = row
    }
    return previous[b.count]
  }
}
