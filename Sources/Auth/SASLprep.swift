import Foundation

/// Password preparation before key derivation: SASLprep (RFC 4013), which SCRAM clients
/// apply to the password before computing SaltedPassword (RFC 5802 §2.2).
///
/// The same preparation runs when a password is set and when a plaintext password is
/// checked, so PLAIN/LOGIN and SCRAM agree on one SaltedPassword.
///
/// Implemented: the mappings (non-ASCII spaces to SPACE, "commonly mapped to nothing"
/// removed), NFKC, and the prohibited-output check. Not implemented: the bidirectional
/// check and the unassigned-code-point check, which need Unicode tables the toolchain
/// does not expose. A password SASLprep would refuse, or one that is not UTF-8, is used
/// as its raw bytes instead of being refused (PostgreSQL does the same), so any password
/// an administrator sets keeps working for PLAIN and LOGIN.
enum SASLprep {
  static func prepare(_ password: [UInt8]) -> [UInt8] {
    // ASCII maps to itself (controls are prohibited, so they fall back to the raw bytes,
    // which are the same): the common case skips Foundation.
    if password.allSatisfy({ $0 < 0x80 }) { return password }
    guard let text = String(validating: password, as: UTF8.self) else { return password }

    var mapped = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
      if isNonASCIISpace(scalar.value) {
        mapped.append(" ")
      } else if !isMappedToNothing(scalar.value) {
        mapped.append(scalar)
      }
    }
    // RFC 4013 §2.2: Unicode normalisation form KC.
    let normalised = String(mapped).precomposedStringWithCompatibilityMapping
    if normalised.isEmpty { return password }
    for scalar in normalised.unicodeScalars where isProhibited(scalar.value) {
      return password
    }
    return Array(normalised.utf8)
  }

  /// RFC 3454 table C.1.2.
  private static func isNonASCIISpace(_ v: UInt32) -> Bool {
    switch v {
    case 0x00A0, 0x1680, 0x2000...0x200B, 0x202F, 0x205F, 0x3000: true
    default: false
    }
  }

  /// RFC 3454 table B.1.
  private static func isMappedToNothing(_ v: UInt32) -> Bool {
    switch v {
    case 0x00AD, 0x034F, 0x1806, 0x180B...0x180D, 0x200C, 0x200D, 0x2060, 0xFE00...0xFE0F,
      0xFEFF:
      true
    default: false
    }
  }

  /// RFC 4013 §2.3: tables C.1.2, C.2.1, C.2.2, C.3, C.4, C.5 (not representable in a
  /// Swift string), C.6, C.7, C.8 and C.9 of RFC 3454.
  private static func isProhibited(_ v: UInt32) -> Bool {
    if isNonASCIISpace(v) { return true }
    switch v {
    case 0x0000...0x001F, 0x007F: return true  // C.2.1
    case 0x0080...0x009F, 0x06DD, 0x070F, 0x180E, 0x200C, 0x200D, 0x2028, 0x2029,
      0x2060...0x2063, 0x206A...0x206F, 0xFEFF, 0xFFF9...0xFFFC, 0x1D173...0x1D17A:
      return true  // C.2.2
    case 0xE000...0xF8FF, 0xF0000...0xFFFFD, 0x100000...0x10FFFD: return true  // C.3
    case 0xFDD0...0xFDEF: return true  // C.4 (and the plane ends below)
    case 0xFFF9...0xFFFD: return true  // C.6
    case 0x2FF0...0x2FFB: return true  // C.7
    case 0x0340, 0x0341, 0x200E, 0x200F, 0x202A...0x202E: return true  // C.8
    case 0xE0001, 0xE0020...0xE007F: return true  // C.9
    default: return v & 0xFFFE == 0xFFFE  // C.4: U+xFFFE and U+xFFFF in every plane
    }
  }
}
