import Foundation

/// Sizes as the account commands read and print them: `2G`, `500M`, `none`.
///
/// Units are binary (K = 1024), as in the configuration file's sizes (`max_message_size`).
enum ByteSize {
  private static let units: [(String, Int64)] = [
    ("T", 1 << 40), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10),
  ]

  /// A quota: `none` (or `unlimited`) is nil; else bytes, or digits with K, M, G or T
  /// (case-insensitive, an optional trailing `B` allowed: `2GB`).
  static func parseQuota(_ text: String) throws(CLIError) -> Int64? {
    let lower = text.lowercased()
    if lower == "none" || lower == "unlimited" { return nil }
    guard let bytes = parse(text) else {
      throw CLIError(
        .usage,
        "\"\(text)\" is not a size: use bytes, or a number with K, M, G or T "
          + "(as in 2G or 500M), or none")
    }
    return bytes
  }

  static func parse(_ text: String) -> Int64? {
    var digits = Substring(text.uppercased())
    if digits.hasSuffix("B"), digits.count >= 2,
      let unit = digits.dropLast().last, units.contains(where: { $0.0 == String(unit) })
    {
      digits = digits.dropLast()
    }
    var factor: Int64 = 1
    if let last = digits.last, let unit = units.first(where: { $0.0 == String(last) }) {
      factor = unit.1
      digits = digits.dropLast()
    }
    guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
      let number = Int64(digits)
    else { return nil }
    let (bytes, overflow) = number.multipliedReportingOverflow(by: factor)
    return overflow ? nil : bytes
  }

  /// `2G` for whole units, `1.5M` rounded to one decimal above 1K, else `N B`.
  static func text(_ bytes: Int64) -> String {
    for (suffix, unit) in units where bytes >= unit {
      if bytes % unit == 0 { return "\(bytes / unit)\(suffix)" }
      return String(format: "%.1f", Double(bytes) / Double(unit)) + suffix
    }
    return "\(bytes) B"
  }

  /// A quota for display: `none` when unlimited.
  static func quotaText(_ bytes: Int64?) -> String { bytes.map(text) ?? "none" }
}
