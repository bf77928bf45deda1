/// The path grammar of MAIL and RCPT (RFC 5321 §4.1.2).
enum PathParser {
  /// RFC 5321 §4.5.3.1.3: a path, punctuation included, is at most 256 octets.
  static let maxPathLength = 256

  /// Reverse-path = Path / "<>"
  static func reversePath(_ scanner: inout ByteScanner) throws(AddressError) -> ReversePath {
    if scanner.take(caseInsensitive: "<>") { return .null }
    return .mailbox(try path(&scanner))
  }

  /// Forward-path = Path, or "<Postmaster>" in any case (RFC 5321 §4.1.1.3).
  static func forwardPath(_ scanner: inout ByteScanner) throws(AddressError) -> ForwardPath {
    if scanner.take(caseInsensitive: "<POSTMASTER>") { return .postmaster }
    return .mailbox(try path(&scanner))
  }

  /// Path = "<" [ A-d-l ":" ] Mailbox ">"
  /// A-d-l = At-domain *( "," At-domain ); At-domain = "@" Domain
  ///
  /// A source route is parsed and dropped, as RFC 5321 §4.1.1.3 and Appendix C ask.
  static func path(_ scanner: inout ByteScanner) throws(AddressError) -> Mailbox {
    let start = scanner.index
    guard scanner.take(ASCII.less) else {
      throw AddressError("address must be enclosed in <>")
    }
    if scanner.peek() == ASCII.at {
      repeat {
        guard scanner.take(ASCII.at) else { throw AddressError("invalid source route") }
        _ = try Domain.parse(&scanner)
      } while scanner.take(ASCII.comma)
      guard scanner.take(ASCII.colon) else { throw AddressError("invalid source route") }
    }
    let mailbox = try Mailbox.parse(&scanner)
    guard scanner.take(ASCII.greater) else {
      throw AddressError("unexpected character in address or missing '>'")
    }
    guard scanner.index - start <= maxPathLength else {
      throw AddressError("path longer than 256 octets")
    }
    return mailbox
  }
}
