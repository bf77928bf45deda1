/// Turns the TOML tree into a `PostaConfig` by way of `ConfigSchema`: routes each table to
/// its spec, reports tables nobody declared, and lets each spec read its keys.
enum ConfigDecoder {
  static func decode(_ root: TOMLTable, context: DecodeContext) -> (PostaConfig, [Problem]) {
    var problems: [Problem] = []
    var topLevel = TOMLTable(line: 0, isExplicit: true)
    topLevel.isDamaged = root.isDamaged
    var instances: [String: [TOMLTable]] = [:]
    let topLevelKeys = Set(ConfigSchema.root.keys.map(\.name))
    for (key, value) in root.entries {
      // A declared top-level key goes to the root spec even when written as a table, so the
      // message is a type error; so does an undeclared plain value (an unknown key).
      if topLevelKeys.contains(key) || (!value.isTable && !isTableOrNamespace([key])) {
        topLevel.add(key, value)
      } else {
        route(value, name: [key], instances: &instances, problems: &problems)
      }
    }
    var config = PostaConfig.unset
    ConfigSchema.root.decode([topLevel], &config, context, &problems)
    for spec in ConfigSchema.sections {
      spec.decode(instances[spec.name] ?? [], &config, context, &problems)
    }
    return (config, problems)
  }

  /// Files a table under its spec, walking through name prefixes such as `tls`.
  private static func route(
    _ value: TOMLValue, name parts: [String], instances: inout [String: [TOMLTable]],
    problems: inout [Problem]
  ) {
    let name = Quote.tableName(parts)
    if let spec = ConfigSchema.sections.first(where: { $0.name == name }) {
      switch (spec.shape, value.kind) {
      case (.table, .table(let table)):
        // Sub-tables declared on their own ([[delivery.route]] inside [delivery]) go to their
        // own spec; the rest is this table's keys.
        var own = TOMLTable(line: table.line, isExplicit: table.isExplicit)
        own.isDamaged = table.isDamaged
        for (key, child) in table.entries {
          if child.isTable, isTableOrNamespace(parts + [key]) {
            route(child, name: parts + [key], instances: &instances, problems: &problems)
          } else {
            own.add(key, child)
          }
        }
        instances[name, default: []].append(own)
      case (.array, .tableArray(let tables)):
        instances[name, default: []].append(contentsOf: tables)
      case (.array, .table):
        problems.append(
          Problem(line: value.line, message: "[\(name)]: write [[\(name)]]; there may be several"))
      case (.table, .tableArray):
        problems.append(
          Problem(line: value.line, message: "[[\(name)]]: write [\(name)]; there is only one"))
      default:
        problems.append(
          Problem(
            line: value.line,
            message: "\(name): expected a \(spec.header) table, found \(value.kindName)"))
      }
      return
    }
    if isTableOrNamespace(parts), !value.isTable {
      problems.append(
        Problem(line: value.line, message: "\(name): expected a table, found \(value.kindName)"))
      return
    }
    if isTableOrNamespace(parts), case .table(let table) = value.kind {
      for (key, child) in table.entries {
        if child.isTable {
          route(child, name: parts + [key], instances: &instances, problems: &problems)
        } else {
          problems.append(
            Problem(line: child.line, message: "[\(name)] \(Quote.key(key)): unknown key"))
        }
      }
      return
    }
    // A table only implied by a longer header ([smtp] of [[smtp.route]]): name what was written.
    if case .table(let table) = value.kind, !table.isExplicit {
      for (key, child) in table.entries where child.isTable {
        route(child, name: parts + [key], instances: &instances, problems: &problems)
      }
      return
    }
    let written: String
    switch value.kind {
    case .table: written = "[\(name)]"
    case .tableArray: written = "[[\(name)]]"
    default: written = name
    }
    var message = "\(written): unknown table"
    let known = ConfigSchema.sections.map(\.name)
    if let guess = Suggest.closest(to: name, among: known),
      let spec = ConfigSchema.sections.first(where: { $0.name == guess })
    {
      message += " (did you mean \(spec.header)?)"
    } else {
      message += "; known tables: " + ConfigSchema.sections.map(\.header).joined(separator: ", ")
    }
    problems.append(Problem(line: value.line, message: message))
  }

  /// True for a declared table's name or a prefix of one (`tls` of `tls.certificate`).
  private static func isTableOrNamespace(_ parts: [String]) -> Bool {
    ConfigSchema.sections.contains { spec in
      let specParts = spec.name.split(separator: ".").map(String.init)
      return specParts.starts(with: parts)
    }
  }
}
