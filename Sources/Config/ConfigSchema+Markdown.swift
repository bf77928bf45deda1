extension ConfigSchema {
  /// The configuration reference in Markdown: for each table, a `###` heading, its doc, and
  /// a table of keys with type, default and doc. README embeds this text verbatim, and a test
  /// checks that it does, so the reference cannot fall behind the code.
  public static func markdownReference() -> String {
    var out: [String] = []
    for table in tables {
      switch table.shape {
      case .root: out.append("### Top level")
      case .table: out.append("### `\(table.header)`")
      case .array(let minimum):
        let count = minimum == 0 ? "zero or more" : "\(minimum) or more"
        out.append("### `\(table.header)` (\(count))")
      }
      out.append("")
      out.append(table.doc)
      out.append("")
      out.append("| Key | Type | Default | Description |")
      out.append("| --- | --- | --- | --- |")
      for key in table.keys {
        let defaultText: String
        switch key.defaultValue {
        case .value(let kind): defaultText = "`\(kind.tomlText)`"
        case .computed(let how): defaultText = how
        case .required: defaultText = "required"
        }
        let cells = ["`\(key.name)`", key.type.documentation, defaultText, key.doc]
        out.append("| " + cells.map(cell).joined(separator: " | ") + " |")
      }
      out.append("")
    }
    return out.joined(separator: "\n")
  }

  /// Table cells cannot hold `|` or line breaks.
  private static func cell(_ text: String) -> String {
    var out = ""
    for character in text {
      switch character {
      case "|": out += "\\|"
      case "\n": out += " "
      default: out.append(character)
      }
    }
    return out
  }
}
