/// One-line `key=value` events on stderr.
///
/// Every line carries time, level and component; connection-scoped loggers add
/// `conn=` and `client=`. Values with spaces or quotes are quoted, so a line is
/// machine-parsable (fail2ban filters match on the stable `event=` names).
/// Nothing here knows about passwords: protocol code redacts before logging,
/// and `Logger.redactedTrace` exists for protocol traces.
import Glibc
import Synchronization

/// Severity of an event; the sink drops events below its threshold.
public enum LogLevel: Int, Sendable, Comparable, CustomStringConvertible {
  case debug = 0
  case info, warning, error

  public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }

  public var description: String {
    switch self {
    case .debug: "debug"
    case .info: "info"
    case .warning: "warn"
    case .error: "error"
    }
  }

  /// Parses `debug`, `info`, `warn`/`warning`, `error`.
  public init?(name: String) {
    switch name.lowercased() {
    case "debug": self = .debug
    case "info": self = .info
    case "warn", "warning": self = .warning
    case "error": self = .error
    default: return nil
    }
  }
}

/// Where log lines go. The default writes to stderr with one `write(2)` per line,
/// so lines from concurrent tasks never interleave.
public final class LogSink: Sendable {
  private let fd: Int32
  private let minimum: Atomic<Int>
  private let captured: Mutex<[String]?>

  /// A sink writing to `fd` (stderr by default).
  public init(fd: Int32 = 2, level: LogLevel = .info) {
    self.fd = fd
    self.minimum = Atomic(level.rawValue)
    self.captured = Mutex(nil)
  }

  /// A sink that keeps lines in memory (for tests) instead of writing them.
  public static func capturing(level: LogLevel = .debug) -> LogSink {
    let s = LogSink(fd: -1, level: level)
    s.captured.withLock { $0 = [] }
    return s
  }

  /// Lines captured so far by a capturing sink.
  public var lines: [String] { captured.withLock { $0 ?? [] } }

  public var level: LogLevel {
    get { LogLevel(rawValue: minimum.load(ordering: .relaxed)) ?? .info }
    set { minimum.store(newValue.rawValue, ordering: .relaxed) }
  }

  func accepts(_ level: LogLevel) -> Bool { level.rawValue >= minimum.load(ordering: .relaxed) }

  func emit(_ line: String) {
    let stored = captured.withLock { c -> Bool in
      guard c != nil else { return false }
      c!.append(line)
      return true
    }
    if stored || fd < 0 { return }
    var bytes = Array(line.utf8)
    bytes.append(10)
    bytes.withUnsafeBytes { raw in
      var off = 0
      while off < raw.count {
        let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
        if n < 0 {
          if errno == EINTR { continue }
          return
        }
        off += n
      }
    }
  }
}

/// A logger for one component, optionally bound to one connection.
public struct Logger: Sendable {
  public let sink: LogSink
  public let component: String
  /// Fields repeated on every line (conn, client…).
  public var context: [(String, String)]

  public init(sink: LogSink, component: String, context: [(String, String)] = []) {
    self.sink = sink
    self.component = component
    self.context = context
  }

  /// The same logger with extra context fields.
  public func with(_ fields: (String, String)...) -> Logger {
    var l = self
    l.context.append(contentsOf: fields)
    return l
  }

  /// The same sink for another component.
  public func component(_ name: String) -> Logger {
    Logger(sink: sink, component: name, context: context)
  }

  public func debug(_ event: String, _ fields: (String, String)...) { log(.debug, event, fields) }
  public func info(_ event: String, _ fields: (String, String)...) { log(.info, event, fields) }
  public func warning(_ event: String, _ fields: (String, String)...) {
    log(.warning, event, fields)
  }
  public func error(_ event: String, _ fields: (String, String)...) { log(.error, event, fields) }

  /// Emits one event line: `time level comp [context] event=NAME [fields]`.
  public func log(_ level: LogLevel, _ event: String, _ fields: [(String, String)]) {
    guard sink.accepts(level) else { return }
    var line = LogFormat.timestamp()
    line += " level=\(level) comp=\(component)"
    for (k, v) in context { line += " \(k)=\(LogFormat.quote(v))" }
    line += " event=\(LogFormat.quote(event))"
    for (k, v) in fields { line += " \(k)=\(LogFormat.quote(v))" }
    sink.emit(line)
  }
}

/// Formatting helpers shared by every log line.
public enum LogFormat {
  /// UTC time with milliseconds, RFC 3339.
  public static func timestamp() -> String {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    var t = ts.tv_sec
    var tm = Glibc.tm()
    gmtime_r(&t, &tm)
    func pad(_ v: Int32, _ w: Int) -> String {
      let s = String(v)
      return String(repeating: "0", count: max(0, w - s.count)) + s
    }
    return "\(pad(tm.tm_year + 1900, 4))-\(pad(tm.tm_mon + 1, 2))-\(pad(tm.tm_mday, 2))T"
      + "\(pad(tm.tm_hour, 2)):\(pad(tm.tm_min, 2)):\(pad(tm.tm_sec, 2))."
      + "\(pad(Int32(ts.tv_nsec / 1_000_000), 3))Z"
  }

  /// Quotes a value if it is empty or holds spaces, quotes, `=` or control bytes;
  /// control bytes are escaped so one event is always one line.
  public static func quote(_ v: String) -> String {
    var needs = v.isEmpty
    for u in v.unicodeScalars where u == " " || u == "\"" || u == "=" || u.value < 0x20 || u == "\\"
    {
      needs = true
      break
    }
    if !needs { return v }
    var out = "\""
    for u in v.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if u.value < 0x20 || u.value == 0x7f {
          out += "\\x" + String(u.value, radix: 16)
        } else {
          out.unicodeScalars.append(u)
        }
      }
    }
    return out + "\""
  }
}
