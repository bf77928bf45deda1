/// The default of a key, for the reference and for reading.
enum KeyDefault: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
  ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral
{
  /// Written as in a file, and read exactly like a value from the file, so the reference
  /// cannot drift from what the code does.
  case value(TOMLValue.Kind)
  /// Worked out when the file is read (from the machine or other keys); the text says how.
  case computed(String)
  case required

  init(stringLiteral value: String) { self = .value(.string(value)) }
  init(integerLiteral value: Int) { self = .value(.integer(value)) }
  init(booleanLiteral value: Bool) { self = .value(.boolean(value)) }
  init(arrayLiteral elements: TOMLValue.Kind...) {
    self = .value(.array(elements.map { TOMLValue($0, line: 0) }))
  }
}

/// What reading a value may need besides the value.
struct DecodeContext: Sendable {
  /// The configuration file's directory, absolute; relative paths start here.
  var directory: String
  /// The machine's host name, the default of `hostname`.
  var systemHostName: String
}

/// One key of a table: name, type, default, one-line doc, and the field its value lands in.
/// The constructors below tie each type to its conversion, so a key is declared by one line
/// in `ConfigSchema`.
struct KeySpec<Section>: Sendable {
  typealias Field<T> = WritableKeyPath<Section, T> & Sendable

  let name: String
  let type: ValueType
  let defaultValue: KeyDefault
  let doc: String
  let assign: @Sendable (inout Section, TOMLValue, DecodeContext) throws(ValueError) -> Void

  private init<T>(
    _ name: String, _ type: ValueType, _ field: Field<T>, _ defaultValue: KeyDefault,
    _ doc: String,
    convert: @escaping @Sendable (TOMLValue, DecodeContext) throws(ValueError) -> T
  ) {
    self.name = name
    self.type = type
    self.defaultValue = defaultValue
    self.doc = doc
    self.assign = { section, value, context throws(ValueError) in
      section[keyPath: field] = try convert(value, context)
    }
  }

  static func string(
    _ name: String, _ field: Field<String>, default: KeyDefault, doc: String
  ) -> Self {
    Self(name, .string, field, `default`, doc) { value, _ throws(ValueError) in
      try Convert.string(value)
    }
  }

  /// A DNS name, stored lower-cased.
  static func hostName(
    _ name: String, _ field: Field<String>, default: KeyDefault, doc: String
  ) -> Self {
    Self(name, .hostName, field, `default`, doc) { value, _ throws(ValueError) in
      try Convert.hostName(value)
    }
  }

  /// A file or directory, stored absolute (relative to the config file's directory).
  static func path(_ name: String, _ field: Field<String>, default: KeyDefault, doc: String)
    -> Self
  {
    Self(name, .path, field, `default`, doc) { value, context throws(ValueError) in
      try Convert.path(value, directory: context.directory)
    }
  }

  static func bool(_ name: String, _ field: Field<Bool>, default: KeyDefault, doc: String)
    -> Self
  {
    Self(name, .bool, field, `default`, doc) { value, _ throws(ValueError) in
      try Convert.bool(value)
    }
  }

  static func integer(
    _ name: String, _ field: Field<Int>, default: KeyDefault, min: Int = 0, doc: String
  ) -> Self {
    Self(name, .integer(min: min), field, `default`, doc) { value, _ throws(ValueError) in
      try Convert.integer(value, min: min)
    }
  }

  /// Bytes, from an integer or a string such as `"50M"`.
  static func size(
    _ name: String, _ field: Field<Int>, default: KeyDefault, min: Int = 1, doc: String
  ) -> Self {
    Self(name, .size(min: min), field, `default`, doc) { value, _ throws(ValueError) in
      try Convert.size(value, min: min)
    }
  }

  /// Whole seconds, from an integer or a string such as `"5m"`; `min` is in seconds.
  static func duration(
    _ name: String, _ field: Field<Duration>, default: KeyDefault, min: Int = 1, doc: String
  ) -> Self {
    Self(name, .duration(min: min), field, `default`, doc) { value, _ throws(ValueError) in
      try Convert.duration(value, min: min)
    }
  }

  static func stringList(
    _ name: String, _ field: Field<[String]>, default: KeyDefault, doc: String
  ) -> Self {
    Self(name, .stringList, field, `default`, doc) { value, _ throws(ValueError) in
      try Convert.list(value) { .success($0) }
    }
  }

  /// A path like `path`, remembered with the line that names it, for a file that is read
  /// when it is used rather than when the configuration is loaded.
  static func file(
    _ name: String, _ field: Field<FileReference?>, default: KeyDefault, doc: String
  ) -> Self {
    Self(name, .path, field, `default`, doc) { value, context throws(ValueError) in
      FileReference(
        path: try Convert.path(value, directory: context.directory),
        line: value.line == 0 ? nil : value.line)
    }
  }

  /// Host names, stored lower-cased.
  static func hostNameList(
    _ name: String, _ field: Field<[String]>, default: KeyDefault, doc: String
  ) -> Self {
    Self(name, .hostNameList, field, `default`, doc) { value, _ throws(ValueError) in
      try Convert.list(value) { text in
        HostName.validate(text).mapError {
          ValueError("\(Quote.string(text)) is not a valid host name: \($0.reason)")
        }
      }
    }
  }

  /// Name server addresses, stored as `ip:port` (see `HostPort.parseNameServer`).
  static func nameServerList(
    _ name: String, _ field: Field<[String]>, default: KeyDefault, doc: String
  ) -> Self {
    Self(name, .nameServerList, field, `default`, doc) { value, _ throws(ValueError) in
      try Convert.list(value, element: HostPort.parseNameServer)
    }
  }

  /// `host`, `host:port`, `[ipv6]:port` or `[host]:port`.
  static func hostPort(
    _ name: String, _ field: Field<HostPort>, default: KeyDefault, doc: String
  ) -> Self {
    Self(name, .hostPort, field, `default`, doc) { value, _ throws(ValueError) in
      switch HostPort.parse(try Convert.string(value)) {
      case .success(let address): return address
      case .failure(let error): throw error
      }
    }
  }

  /// Durations, each an integer of seconds or a string such as `"5m"`; at least one.
  static func durationList(
    _ name: String, _ field: Field<[Duration]>, default: KeyDefault, doc: String
  ) -> Self {
    Self(name, .durationList, field, `default`, doc) { value, _ throws(ValueError) in
      guard case .array(let items) = value.kind else {
        throw ValueError("expected an array of durations, found \(value.kindName)")
      }
      guard !items.isEmpty else { throw ValueError("the list is empty; give at least one") }
      var result: [Duration] = []
      for item in items {
        do throws(ValueError) {
          result.append(try Convert.duration(item, min: 1))
        } catch {
          throw ValueError(error.message, line: item.line)
        }
      }
      return result
    }
  }

  /// `host:port` entries; an empty list is allowed and means "off".
  static func listenList(
    _ name: String, _ field: Field<[ListenAddress]>, default: KeyDefault, doc: String
  ) -> Self {
    Self(name, .listenList, field, `default`, doc) { value, _ throws(ValueError) in
      try Convert.list(value, element: ListenAddress.parse)
    }
  }

  static func cidrList(
    _ name: String, _ field: Field<[CIDR]>, default: KeyDefault, doc: String
  ) -> Self {
    Self(name, .cidrList, field, `default`, doc) { value, _ throws(ValueError) in
      try Convert.list(value, element: CIDR.parse)
    }
  }

  /// One word out of `options` (case-insensitive), turned into `T` by `make`, which must
  /// accept every option.
  static func choice<T>(
    _ name: String, _ field: Field<T>, options: [String], default: KeyDefault, doc: String,
    make: @escaping @Sendable (String) -> T?
  ) -> Self {
    Self(name, .choice(options), field, `default`, doc) { value, _ throws(ValueError) in
      let word = try Convert.choice(value, options: options)
      guard let made = make(word) else {
        throw ValueError("\(Quote.string(word)) is not supported here")
      }
      return made
    }
  }
}
