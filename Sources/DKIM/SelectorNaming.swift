import Foundation
import Glibc

/// Generated selector names: a prefix, the UTC date and a counter (`posta20261127a`,
/// `posta20261127b`, …, `posta20261127z`, `posta20261127aa`, …, `posta20261127zz`).
///
/// The date tells an admin at a glance how old a published key is; the counter lets a key be
/// rotated more than once a day.
struct SelectorNaming: Sendable {
  /// Suffix of the Ed25519 selector paired with an RSA selector.
  static let ed25519Suffix = "-ed25519"

  let prefix: String

  /// `prefix` plus `yyyymmdd` of `date` in UTC.
  func stem(for date: Date) -> String {
    var t = time_t(date.timeIntervalSince1970.rounded(.down))
    var parts = tm()
    gmtime_r(&t, &parts)
    let y = Int(parts.tm_year) + 1900
    let m = Int(parts.tm_mon) + 1
    let d = Int(parts.tm_mday)
    return prefix + pad(y, 4) + pad(m, 2) + pad(d, 2)
  }

  /// Candidate selectors for `date`, in the order they are tried.
  func candidates(for date: Date) -> [String] {
    let s = stem(for: date)
    let letters = (UInt8(ascii: "a")...UInt8(ascii: "z")).map { String(UnicodeScalar($0)) }
    return letters.map { s + $0 } + letters.flatMap { a in letters.map { s + a + $0 } }
  }

  /// The Ed25519 selector belonging to the RSA selector `selector`.
  static func ed25519Selector(for selector: String) -> String { selector + ed25519Suffix }

  private func pad(_ n: Int, _ width: Int) -> String {
    let s = String(n)
    return String(repeating: "0", count: max(0, width - s.count)) + s
  }
}
