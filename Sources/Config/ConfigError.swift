/// One problem in a configuration file: where it is and what is wrong.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The file as the user named it.
  public var file: String
  /// The 1-based line, or nil for problems that belong to no line (a missing `[[domain]]`,
  /// an unreadable file).
  public var line: Int?
  /// What is wrong, starting with the table and key it concerns, as in
  /// `[limits] max_conections: unknown key`.
  public var message: String

  public init(file: String, line: Int?, message: String) {
    self.file = file
    self.line = line
    self.message = message
  }

  /// `file:line: message`, or `file: message` without a line.
  public var description: String {
    if let line { return "\(file):\(line): \(message)" }
    return "\(file): \(message)"
  }
}

/// Every problem found in a configuration file, in line order; thrown by `PostaConfig.load`
/// and `PostaConfig.parse`. Never empty.
public struct ConfigErrors: Error, Sendable, Equatable, CustomStringConvertible {
  public var errors: [ConfigError]

  public init(_ errors: [ConfigError]) {
    self.errors = errors
  }

  /// One `file:line: message` per line.
  public var description: String {
    errors.map(\.description).joined(separator: "\n")
  }
}

/// A problem before the file name is attached. A consequential problem (a required table
/// missing) is dropped when the file also has syntax errors, since a broken line is the likely
/// cause.
struct Problem: Equatable {
  var line: Int?
  var message: String
  var isConsequential = false
}

/// Why a value was rejected; `line` overrides the value's own line (an element of a
/// multi-line array).
struct ValueError: Error, Equatable {
  var message: String
  var line: Int?

  init(_ message: String, line: Int? = nil) {
    self.message = message
    self.line = line
  }
}

/// How table names, keys and values are spelled in messages: the way they would be written in
/// the file, with anything unprintable escaped so hostile input cannot garble a terminal.
enum Quote {
  /// `"text"` with TOML basic-string escapes.
  static func string(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      case "\r": out += "\\r"
      default:
        if scalar.value < 0x20 || scalar.value == 0x7f || (0x80..<0xa0).contains(scalar.value) {
          out += "\\u" + hex(scalar.value, digits: 4)
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }

  /// A key as written: bare if it can be, else quoted.
  static func key(_ key: String) -> String {
    let bare = !key.isEmpty && key.unicodeScalars.allSatisfy(isBareKeyCharacter)
    return bare ? key : string(key)
  }

  /// How a message names a key: `hostname` at the top, `[limits] max_connections` or
  /// `[[domain]] name` in a table.
  static func subject(header: String, key: String) -> String {
    header.isEmpty ? Quote.key(key) : "\(header) \(Quote.key(key))"
  }

  /// A dotted table name as written in a header.
  static func tableName(_ parts: [String]) -> String {
    parts.map(key).joined(separator: ".")
  }

  /// `'x'` for printable ASCII, otherwise `U+XXXX`.
  static func character(_ scalar: Unicode.Scalar) -> String {
    if (0x21..<0x7f).contains(scalar.value) { return "'\(Character(scalar))'" }
    if scalar.value >= 0xa0 { return "'\(Character(scalar))' (U+\(hex(scalar.value, digits: 4)))" }
    return "U+" + hex(scalar.value, digits: 4)
  }

  static func isBareKeyCharacter(_ scalar: Unicode.Scalar) -> Bool {
    ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
      || scalar == "_" || scalar == "-"
  }

  private static func hex(_ value: UInt32, digits: Int) -> String {
    let text = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, digits - text.count)) + text
  }
}
