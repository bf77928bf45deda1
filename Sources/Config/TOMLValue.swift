/// A value read from a TOML file, with the 1-based line it starts on (0 for built-in
/// defaults, which come from no line).
struct TOMLValue: Equatable, Sendable {
  enum Kind: Equatable, Sendable {
    case string(String)
    case integer(Int)
    case boolean(Bool)
    /// A value array, `[1, 2]`.
    case array([TOMLValue])
    /// A table from a `[header]`, or implied by a dotted header such as `[tls.certificate]`.
    case table(TOMLTable)
    /// Tables from repeated `[[header]]` lines, in file order.
    case tableArray([TOMLTable])
  }

  var kind: Kind
  var line: Int

  init(_ kind: Kind, line: Int) {
    self.kind = kind
    self.line = line
  }

  var isTable: Bool {
    switch kind {
    case .table, .tableArray: true
    default: false
    }
  }

  /// "a string", "an integer": what was found, for type errors.
  var kindName: String {
    switch kind {
    case .string: "a string"
    case .integer: "an integer"
    case .boolean: "a boolean"
    case .array: "an array"
    case .table: "a table"
    case .tableArray: "an array of tables"
    }
  }
}

extension TOMLValue.Kind: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
  ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral
{
  init(stringLiteral value: String) { self = .string(value) }
  init(integerLiteral value: Int) { self = .integer(value) }
  init(booleanLiteral value: Bool) { self = .boolean(value) }
  init(arrayLiteral elements: TOMLValue.Kind...) {
    self = .array(elements.map { TOMLValue($0, line: 0) })
  }

  /// The value as it would be written in a file (tables are never defaults, so they only
  /// get a placeholder).
  var tomlText: String {
    switch self {
    case .string(let s): Quote.string(s)
    case .integer(let i): String(i)
    case .boolean(let b): b ? "true" : "false"
    case .array(let items): "[" + items.map(\.kind.tomlText).joined(separator: ", ") + "]"
    case .table, .tableArray: "{…}"
    }
  }
}
