import Foundation

/// A date-time from a Date header (RFC 5322 §3.3), as written: civil fields plus the zone.
public struct MessageDate: Sendable, Hashable, Codable {
  /// Civil fields in the zone the header named: year 1000–9999, month 1–12, day 1–31,
  /// hour 0–23, minute 0–59, second 0–60.
  public var year: Int
  public var month: Int
  public var day: Int
  public var hour: Int
  public var minute: Int
  public var second: Int
  /// Offset from UTC in minutes (+0200 → 120). Nil for `-0000` or a missing or unknown zone,
  /// which RFC 5322 §3.3 says carries no zone information; the time is then taken as UTC.
  public var zoneOffsetMinutes: Int?

  /// Creates a date from civil fields.
  public init(
    year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int,
    zoneOffsetMinutes: Int?
  ) {
    self.year = year
    self.month = month
    self.day = day
    self.hour = hour
    self.minute = minute
    self.second = second
    self.zoneOffsetMinutes = zoneOffsetMinutes
  }

  /// Seconds since 1970-01-01 UTC.
  public var secondsSince1970: Int64 {
    let days = Int64(MessageDate.daysFromCivil(year, month, day))
    let local = days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    return local - Int64((zoneOffsetMinutes ?? 0) * 60)
  }

  /// The instant this date names.
  public var date: Date { Date(timeIntervalSince1970: TimeInterval(secondsSince1970)) }

  /// Days from 1970-01-01 to the civil date (proleptic Gregorian).
  static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
    let y = m <= 2 ? y0 - 1 : y0
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
  }

  /// Formats an instant as an RFC 5322 date-time in the zone `offsetMinutes` east of UTC,
  /// e.g. `Tue, 1 Jul 2003 10:52:37 +0200`; for the Date header SMTP adds on submission.
  public static func format(_ date: Date, offsetMinutes: Int = 0) -> String {
    let secs = Int64(date.timeIntervalSince1970.rounded(.down)) + Int64(offsetMinutes * 60)
    var days = Int(secs >= 0 ? secs / 86_400 : (secs - 86_399) / 86_400)
    let rem = Int(secs - Int64(days) * 86_400)
    let weekday = ((days % 7) + 7 + 4) % 7  // 1970-01-01 was a Thursday
    days += 719_468
    let era = (days >= 0 ? days : days - 146_096) / 146_097
    let doe = days - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
    let sign = offsetMinutes < 0 ? "-" : "+"
    let off = abs(offsetMinutes)
    func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
    return "\(weekdayNames[weekday]), \(d) \(monthNames[m - 1]) \(y) \(two(rem / 3600)):"
      + "\(two(rem / 60 % 60)):\(two(rem % 60)) \(sign)\(two(off / 60))\(two(off % 60))"
  }

  static let weekdayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
  static let monthNames = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
  ]

  /// Parses a Date field value. Accepts RFC 5322 §3.3 and the §4.3 obsolete forms (two- and
  /// three-digit years, named and military zones, comments, missing seconds) and the broken
  /// shapes seen in the wild: no weekday, a missing zone, asctime order
  /// (`Tue Jul  1 10:52:37 2003`), ISO 8601 (`2003-07-01T10:52:37Z`), dots in the time.
  /// Nil when no day, month, year and time can be found or they are out of range.
  public static func parse<C: Collection<UInt8>>(_ value: C) -> MessageDate? {
    var parser = DateParser(Array(value))
    return parser.parse()
  }
}

/// Token-driven date reader: it classifies words and numbers instead of following one order.
private struct DateParser {
  enum ZoneName {
    case known(Int)
    case unknown
    case notAZone
  }

  let bytes: [UInt8]
  var day: Int?
  var month: Int?
  var year: Int?
  var time: (Int, Int, Int)?
  /// Set once a zone was read; `zoneOffset` nil then means "-0000" or an unknown zone.
  var zoneSeen = false
  var zoneOffset: Int?

  init(_ bytes: [UInt8]) { self.bytes = bytes }

  mutating func parse() -> MessageDate? {
    for token in tokens() { take(token) }
    guard let day, let month, var year, let time else { return nil }
    // RFC 5322 §4.3: two-digit years 00-49 are 2000-2049, 50-99 are 1950-1999; three-digit
    // years add 1900.
    if year < 50 {
      year += 2000
    } else if year < 1000 {
      year += 1900
    }
    guard (1...31).contains(day), (1...12).contains(month), (1000...9999).contains(year),
      (0...23).contains(time.0), (0...59).contains(time.1), (0...60).contains(time.2)
    else { return nil }
    return MessageDate(
      year: year, month: month, day: day, hour: time.0, minute: time.1, second: time.2,
      zoneOffsetMinutes: zoneOffset)
  }

  /// Splits on whitespace and commas, drops comments, and splits ISO `T`-joined date-times.
  func tokens() -> [[UInt8]] {
    var out = [[UInt8]]()
    var cur = [UInt8]()
    var depth = 0
    for b in bytes {
      if b == UInt8(ascii: "(") {
        depth += 1
        continue
      }
      if depth > 0 {
        if b == UInt8(ascii: ")") { depth -= 1 }
        continue
      }
      if ASCII.isWhitespace(b) || b == UInt8(ascii: ",") {
        if !cur.isEmpty { out.append(cur) }
        cur = []
      } else {
        cur.append(b)
      }
      if out.count > 16 { break }
    }
    if !cur.isEmpty { out.append(cur) }
    return out.flatMap { t -> [[UInt8]] in
      // 2003-07-01T10:52:37Z
      if t.count > 10, t[4] == UInt8(ascii: "-"), let tIndex = t.firstIndex(of: UInt8(ascii: "T")) {
        return [Array(t[..<tIndex]), Array(t[(tIndex + 1)...])]
      }
      return [t]
    }
  }

  mutating func take(_ t: [UInt8]) {
    let lower = t.map(ASCII.lower)
    if lower.count >= 3, let m = monthIndex(lower) {
      if month == nil { month = m }
      return
    }
    if let first = t.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-"),
      t.count == 6, t[3] == UInt8(ascii: ":"), let h = number(t[1..<3]), let m = number(t[4..<6])
    {
      // ISO 8601 "+02:00"
      if !zoneSeen { setZone((first == UInt8(ascii: "-") ? -1 : 1) * (h * 60 + m)) }
      return
    }
    if t.contains(UInt8(ascii: ":")) || (t.count >= 4 && t.filter { $0 == 0x2E }.count == 2) {
      parseTime(t)
      return
    }
    if t.count == 10, t[4] == UInt8(ascii: "-"), t[7] == UInt8(ascii: "-") {
      year = number(t[0..<4])
      month = number(t[5..<7])
      day = number(t[8..<10])
      return
    }
    if let first = t.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-"),
      t.count == 5, let v = number(t[1...])
    {
      if !zoneSeen {
        let minutes = v / 100 * 60 + v % 100
        // "-0000" means the zone is unknown (RFC 5322 §3.3).
        setZone(first == UInt8(ascii: "-") ? (minutes == 0 ? nil : -minutes) : minutes)
      }
      return
    }
    if let v = number(t[...]) {
      if day == nil && t.count <= 2 {
        day = v
      } else if year == nil {
        year = v
      }
      return
    }
    guard !zoneSeen else { return }
    switch namedZone(lower) {
    case .known(let minutes): setZone(minutes)
    case .unknown: setZone(nil)
    case .notAZone: break
    }
  }

  mutating func setZone(_ offset: Int?) {
    zoneSeen = true
    zoneOffset = offset.flatMap { abs($0) < 24 * 60 ? $0 : nil }
  }

  mutating func parseTime(_ t: [UInt8]) {
    guard time == nil else { return }
    // Trailing zone glued to the time: "10:52:37Z", "10:52:37+02:00".
    var body = t[...]
    if let z = body.firstIndex(where: {
      $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "Z")
        || $0 == UInt8(ascii: "z")
    }) {
      let zonePart = body[z...].filter { $0 != UInt8(ascii: ":") }
      body = body[..<z]
      if !zoneSeen {
        if zonePart.count == 1 {
          setZone(0)
        } else if zonePart.count == 5, let v = number(zonePart[1...]) {
          let m = v / 100 * 60 + v % 100
          setZone(zonePart[0] == UInt8(ascii: "-") ? -m : m)
        }
      }
    }
    // Fractional seconds (ISO) are dropped.
    if let dot = body.firstIndex(of: UInt8(ascii: ".")), body.contains(UInt8(ascii: ":")) {
      body = body[..<dot]
    }
    let parts = body.split(
      omittingEmptySubsequences: false,
      whereSeparator: { $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") })
    guard parts.count == 2 || parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.count <= 2 }),
      let h = number(parts[0]), let m = number(parts[1])
    else { return }
    let s = parts.count == 3 ? number(parts[2]) : 0
    guard let s else { return }
    time = (h, m, s)
  }

  func number(_ s: ArraySlice<UInt8>) -> Int? {
    guard !s.isEmpty, s.count <= 9 else { return nil }
    var v = 0
    for b in s {
      guard b >= 0x30 && b <= 0x39 else { return nil }
      v = v * 10 + Int(b - 0x30)
    }
    return v
  }

  func number(_ s: [UInt8]) -> Int? { number(s[...]) }

  func monthIndex(_ lower: [UInt8]) -> Int? {
    let prefix = String(decoding: lower.prefix(3), as: UTF8.self)
    guard let i = MessageDate.monthNames.firstIndex(where: { $0.lowercased() == prefix }) else {
      return nil
    }
    return i + 1
  }

  /// Obsolete zone names (RFC 5322 §4.3) and a few common abbreviations. Military letters
  /// other than Z are ambiguous in practice (RFC 1123 §5.2.14 says they were defined
  /// backwards), so they count as a zone of unknown offset.
  func namedZone(_ lower: [UInt8]) -> ZoneName {
    let hours: Int?
    switch String(decoding: lower, as: UTF8.self) {
    case "ut", "utc", "gmt", "z": hours = 0
    case "edt": hours = -4
    case "est", "cdt": hours = -5
    case "cst", "mdt": hours = -6
    case "mst", "pdt": hours = -7
    case "pst": hours = -8
    case "cet", "met", "bst": hours = 1
    case "cest", "eet": hours = 2
    case "eest", "msk": hours = 3
    case "jst", "kst": hours = 9
    case let s where s.count == 1 && s != "t": return .unknown
    default: return .notAZone
    }
    return hours.map { .known($0 * 60) } ?? .notAZone
  }
}
