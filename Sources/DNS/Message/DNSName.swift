/// A domain name as a list of labels (the root label left implicit).
///
/// Labels are raw octets: DNS allows any byte in a label, and names read off
/// the wire are kept exactly as received. Comparison and hashing ignore ASCII
/// case (RFC 4343), so `Example.COM` equals `example.com`.
///
/// Invariants: every label has 1...63 octets and the wire form (length bytes,
/// labels and the terminating zero) is at most 255 octets.
public struct DNSName: Sendable, Hashable, CustomStringConvertible {
  /// The labels, most specific first (`["mail", "example", "com"]`).
  public let labels: [[UInt8]]

  /// The root name `.`, parent of every other name.
  public static let root = DNSName(checked: [])

  /// The longest a label may be (RFC 1035 §2.3.4).
  public static let maxLabelLength = 63
  /// The longest a name may be in wire form (RFC 1035 §2.3.4).
  public static let maxWireLength = 255

  init(checked labels: [[UInt8]]) {
    self.labels = labels
  }

  /// A name from raw labels.
  /// - Throws: `DNSMessageError.invalidName` for an empty label, a label over 63
  ///   octets or a name over 255 octets.
  public init(labels: [[UInt8]]) throws(DNSMessageError) {
    var wire = 1
    for label in labels {
      let text = String(decoding: label, as: UTF8.self)
      guard !label.isEmpty else { throw .invalidName(text, reason: "empty label") }
      guard label.count <= Self.maxLabelLength else {
        throw .invalidName(text, reason: "label longer than 63 octets")
      }
      wire += 1 + label.count
    }
    guard wire <= Self.maxWireLength else {
      throw .invalidName(
        labels.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "."),
        reason: "name longer than 255 octets")
    }
    self.labels = labels
  }

  /// Parses a name in presentation form: labels separated by dots, an optional
  /// final dot, `"."` for the root. `\.` and `\\` escape a literal dot or
  /// backslash and `\DDD` gives an octet in decimal (RFC 1035 §5.1).
  /// - Throws: `DNSMessageError.invalidName` naming the problem.
  public init(_ text: String) throws(DNSMessageError) {
    if text == "." {
      self = .root
      return
    }
    var labels: [[UInt8]] = []
    var label: [UInt8] = []
    let bytes = Array(text.utf8)
    guard !bytes.isEmpty else { throw .invalidName(text, reason: "the name is empty") }
    var i = 0
    var endedWithDot = false
    while i < bytes.count {
      let b = bytes[i]
      endedWithDot = false
      if b == UInt8(ascii: ".") {
        guard !label.isEmpty else {
          throw .invalidName(text, reason: "empty label (two dots in a row, or a leading dot)")
        }
        labels.append(label)
        label = []
        endedWithDot = true
        i += 1
      } else if b == UInt8(ascii: "\\") {
        guard i + 1 < bytes.count else {
          throw .invalidName(text, reason: "a backslash at the end escapes nothing")
        }
        let digits = bytes[(i + 1)...].prefix(3)
        if digits.count == 3, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
          let value = digits.reduce(0) { $0 * 10 + Int($1 - 48) }
          guard value <= 255 else {
            throw .invalidName(text, reason: "\\DDD escape above 255")
          }
          label.append(UInt8(value))
          i += 4
        } else if bytes[i + 1] >= 48 && bytes[i + 1] <= 57 {
          throw .invalidName(text, reason: "\\DDD escape needs exactly three digits")
        } else {
          label.append(bytes[i + 1])
          i += 2
        }
      } else {
        label.append(b)
        i += 1
      }
    }
    if !endedWithDot { labels.append(label) }
    try self.init(labels: labels)
  }

  /// Whether this is the root name.
  public var isRoot: Bool { labels.isEmpty }

  /// The length of the uncompressed wire form, including the final zero octet.
  public var wireLength: Int { labels.reduce(1) { $0 + 1 + $1.count } }

  /// The name with ASCII letters lowered, for cache keys and display.
  public func lowercased() -> DNSName {
    DNSName(checked: labels.map(Self.lower))
  }

  /// The name with `label` in front (`_dmarc` + `example.com`).
  /// - Throws: `DNSMessageError.invalidName` if the result is too long.
  public func prepending(_ label: String) throws(DNSMessageError) -> DNSName {
    try DNSName(labels: try DNSName(label).labels + labels)
  }

  /// Whether this name equals `other` or lies below it.
  public func isSubdomain(of other: DNSName) -> Bool {
    guard labels.count >= other.labels.count else { return false }
    return zip(labels.suffix(other.labels.count), other.labels).allSatisfy {
      Self.lower($0) == Self.lower($1)
    }
  }

  /// Presentation form without the final dot (`"."` for the root); dots,
  /// backslashes, spaces, quotes and non-printable octets inside labels are
  /// escaped so the text parses back to the same labels.
  public var description: String {
    guard !isRoot else { return "." }
    var out: [UInt8] = []
    for (n, label) in labels.enumerated() {
      if n > 0 { out.append(UInt8(ascii: ".")) }
      for b in label {
        switch b {
        case UInt8(ascii: "."), UInt8(ascii: "\\"), UInt8(ascii: "\""):
          out += [UInt8(ascii: "\\"), b]
        case 0x21...0x7e:
          out.append(b)
        default:
          out.append(UInt8(ascii: "\\"))
          let v = Int(b)
          out += [UInt8(48 + v / 100), UInt8(48 + v / 10 % 10), UInt8(48 + v % 10)]
        }
      }
    }
    return String(decoding: out, as: UTF8.self)
  }

  public static func == (a: DNSName, b: DNSName) -> Bool {
    guard a.labels.count == b.labels.count else { return false }
    return zip(a.labels, b.labels).allSatisfy { x, y in
      x.count == y.count && zip(x, y).allSatisfy { lowerByte($0) == lowerByte($1) }
    }
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(labels.count)
    for label in labels {
      hasher.combine(label.count)
      for b in label { hasher.combine(Self.lowerByte(b)) }
    }
  }

  static func lowerByte(_ b: UInt8) -> UInt8 {
    b >= 0x41 && b <= 0x5a ? b | 0x20 : b
  }

  static func lower(_ label: [UInt8]) -> [UInt8] {
    label.map(lowerByte)
  }
}
