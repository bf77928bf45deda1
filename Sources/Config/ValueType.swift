/// The types a configuration key can have: how each is read from a TOML value, and how it is
/// named in the reference and in type errors.
enum ValueType: Sendable, Equatable {
  case string
  case hostName
  case path
  case bool
  case integer(min: Int)
  case size(min: Int)
  case duration(min: Int)
  case stringList
  case hostNameList
  case nameServerList
  case hostPort
  case durationList
  case listenList
  case cidrList
  case choice([String])

  /// The type column of the Markdown reference.
  var documentation: String {
    switch self {
    case .string: "string"
    case .hostName: "host name"
    case .path: "path"
    case .bool: "boolean"
    case .integer(let min): min == 0 ? "integer" : "integer ≥ \(min)"
    case .size(let min): min <= 1 ? "size" : "size ≥ \(Convert.sizeText(min))"
    case .duration(let min):
      min == 0 ? "duration" : "duration ≥ \(Convert.durationText(seconds: min))"
    case .stringList: "list of strings"
    case .hostNameList: "list of host names"
    case .nameServerList: "list of IP addresses (`ip:port`, `[ipv6]:port`, port 53 if left out)"
    case .hostPort: "host name or IP address, with an optional `:port`"
    case .durationList: "list of durations"
    case .listenList: "list of listen addresses"
    case .cidrList: "list of CIDRs"
    case .choice(let options): "one of " + options.map { "`\($0)`" }.joined(separator: ", ")
    }
  }
}

/// Conversions from TOML values to typed settings, each failing with a message that says
/// what was expected.
enum Convert {
  static func string(_ value: TOMLValue) throws(ValueError) -> String {
    guard case .string(let text) = value.kind else {
      throw ValueError("expected a string, found \(value.kindName)")
    }
    return text
  }

  static func bool(_ value: TOMLValue) throws(ValueError) -> Bool {
    guard case .boolean(let flag) = value.kind else {
      throw ValueError("expected true or false, found \(value.kindName)")
    }
    return flag
  }

  static func integer(_ value: TOMLValue, min: Int) throws(ValueError) -> Int {
    guard case .integer(let number) = value.kind else {
      throw ValueError("expected an integer, found \(value.kindName)")
    }
    guard number >= min else { throw ValueError("must be at least \(min), found \(number)") }
    return number
  }

  static func hostName(_ value: TOMLValue) throws(ValueError) -> String {
    let text = try string(value)
    switch HostName.validate(text) {
    case .success(let name): return name
    case .failure(let error):
      throw ValueError("\(Quote.string(text)) is not a valid host name: \(error.reason)")
    }
  }

  /// An absolute, normalised path; a relative one is taken from `directory`, the config
  /// file's own directory, so the file means the same wherever the command runs.
  static func path(_ value: TOMLValue, directory: String) throws(ValueError) -> String {
    let text = try string(value)
    guard !text.isEmpty else { throw ValueError("the path is empty") }
    guard !text.contains("\0") else { throw ValueError("the path contains a NUL character") }
    if text.hasPrefix("~") {
      throw ValueError("'~' is not expanded; write the full path or one relative to this file")
    }
    return FilePath.resolve(text, against: directory)
  }

  /// Bytes: an integer, or a string of digits with a binary suffix K, M, G or T (`"50M"` is
  /// 52428800).
  static func size(_ value: TOMLValue, min: Int) throws(ValueError) -> Int {
    let bytes: Int
    switch value.kind {
    case .integer(let number): bytes = number
    case .string(let text):
      let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
      guard let number = scaled(text, units: units) else {
        throw ValueError(
          "\(Quote.string(text)) is not a size (bytes, or a number with K, M, G or T, as in \"50M\")"
        )
      }
      bytes = number
    default:
      throw ValueError("expected a size (\"50M\" or a number of bytes), found \(value.kindName)")
    }
    guard bytes >= min else {
      throw ValueError("must be at least \(sizeText(min)), found \(sizeText(bytes))")
    }
    return bytes
  }

  /// Whole seconds: an integer, or a string of digits with a suffix s, m, h or d.
  static func duration(_ value: TOMLValue, min: Int) throws(ValueError) -> Duration {
    let seconds: Int
    switch value.kind {
    case .integer(let number): seconds = number
    case .string(let text):
      let units: [Character: Int] = ["S": 1, "M": 60, "H": 3600, "D": 86400]
      guard let number = scaled(text, units: units) else {
        throw ValueError(
          "\(Quote.string(text)) is not a duration (seconds, or a number with s, m, h or d, as in \"30s\")"
        )
      }
      seconds = number
    default:
      throw ValueError(
        "expected a duration (\"30s\", \"10m\", \"1h\" or seconds), found \(value.kindName)")
    }
    guard seconds >= min else {
      throw ValueError(
        "must be at least \(durationText(seconds: min)), found \(durationText(seconds: seconds))")
    }
    return .seconds(seconds)
  }

  static func choice(_ value: TOMLValue, options: [String]) throws(ValueError) -> String {
    let text = try string(value)
    guard options.contains(text.lowercased()) else {
      throw ValueError(
        "\(Quote.string(text)) is not one of \(options.joined(separator: ", "))")
    }
    return text.lowercased()
  }

  /// Each element converted in order; an error names the element's own line.
  static func list<T>(
    _ value: TOMLValue, element: (String) -> Result<T, ValueError>
  ) throws(ValueError) -> [T] {
    guard case .array(let items) = value.kind else {
      throw ValueError("expected an array of strings, found \(value.kindName)")
    }
    var result: [T] = []
    for item in items {
      guard case .string(let text) = item.kind else {
        throw ValueError("expected strings in the array, found \(item.kindName)", line: item.line)
      }
      switch element(text) {
      case .success(let converted): result.append(converted)
      case .failure(var error):
        error.line = item.line
        throw error
      }
    }
    return result
  }

  /// Digits with an optional one-letter unit (case-insensitive), or nil.
  private static func scaled(_ text: String, units: [Character: Int]) -> Int? {
    var digits = Substring(text)
    var factor = 1
    if let last = digits.last, let unit = units[Character(last.uppercased())] {
      factor = unit
      digits = digits.dropLast()
    }
    guard !digits.isEmpty, digits.count <= 19, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
      let number = Int(digits)
    else { return nil }
    let (product, overflow) = number.multipliedReportingOverflow(by: factor)
    return overflow ? nil : product
  }

  /// `50M` for whole units, else the number of bytes.
  static func sizeText(_ bytes: Int) -> String {
    for (suffix, unit) in [("T", 1 << 40), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)]
    where bytes != 0 && bytes % unit == 0 {
      return "\(bytes / unit)\(suffix)"
    }
    return bytes == 1 ? "1 byte" : "\(bytes) bytes"
  }

  /// `5m` for whole units, else seconds.
  static func durationText(seconds: Int) -> String {
    for (suffix, unit) in [("d", 86400), ("h", 3600), ("m", 60)]
    where seconds != 0 && seconds % unit == 0 {
      return "\(seconds / unit)\(suffix)"
    }
    return "\(seconds)s"
  }
}
