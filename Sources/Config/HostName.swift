/// Validation of DNS host names: RFC 1035 §2.3.1 label syntax, relaxed by RFC 1123 §2.1 to
/// allow a leading digit.
enum HostName {
  /// The name in lower case, or a reason it is not a host name.
  static func validate(_ name: String) -> Result<String, HostNameError> {
    let lower = String(name.lowercased())
    guard !lower.isEmpty else { return .failure(HostNameError(reason: "it is empty")) }
    guard lower.utf8.count <= 253 else {
      return .failure(HostNameError(reason: "it is longer than 253 characters"))
    }
    if let bad = lower.unicodeScalars.first(where: { !isLabelCharacter($0) && $0 != "." }) {
      return .failure(HostNameError(reason: "it contains \(Quote.character(bad))"))
    }
    if lower.hasSuffix(".") {
      return .failure(HostNameError(reason: "it ends with '.' (leave the dot out)"))
    }
    let labels = lower.split(separator: ".", omittingEmptySubsequences: false)
    for label in labels {
      if label.isEmpty { return .failure(HostNameError(reason: "it has an empty label")) }
      if label.utf8.count > 63 {
        return .failure(HostNameError(reason: "a label is longer than 63 characters"))
      }
      if label.first == "-" || label.last == "-" {
        return .failure(HostNameError(reason: "label \"\(label)\" starts or ends with '-'"))
      }
    }
    // RFC 1123 §2.1: the top-level label is alphabetic, which tells names from IPv4 addresses.
    if let last = labels.last, last.allSatisfy(\.isNumber) {
      return .failure(HostNameError(reason: "it looks like an IP address"))
    }
    return .success(lower)
  }

  private static func isLabelCharacter(_ c: Unicode.Scalar) -> Bool {
    ("a"..."z").contains(c) || ("0"..."9").contains(c) || c == "-"
  }
}

/// Why a string is not a host name (the sentence fragment after "because").
struct HostNameError: Error, Equatable {
  var reason: String
}
