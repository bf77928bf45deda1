/// An enhanced mail system status code, `class.subject.detail` (RFC 3463 §2, carried in replies
/// as RFC 2034 describes): `5.1.1` is "bad destination mailbox address".
public struct EnhancedStatusCode: Sendable, Hashable, CustomStringConvertible {
  /// 2 (success), 4 (persistent transient failure) or 5 (permanent failure).
  public let statusClass: Int
  /// 0–999: the area (address, mailbox, mail system, network, protocol, content, security).
  public let subject: Int
  /// 0–999: the condition within the subject.
  public let detail: Int

  /// The code `statusClass.subject.detail`.
  /// - Precondition: class 2, 4 or 5; subject and detail 0–999 (RFC 3463 §2).
  public init(_ statusClass: Int, _ subject: Int, _ detail: Int) {
    precondition([2, 4, 5].contains(statusClass), "enhanced status class must be 2, 4 or 5")
    precondition((0...999).contains(subject) && (0...999).contains(detail))
    self.statusClass = statusClass
    self.subject = subject
    self.detail = detail
  }

  /// Parses `"5.1.1"`; nil unless it is `class "." 1*3digit "." 1*3digit` (RFC 3463 §2).
  public init?(_ text: some StringProtocol) {
    var scanner = ByteScanner(Array(text.utf8))
    guard let code = EnhancedStatusCode.parse(&scanner), scanner.isAtEnd else { return nil }
    self = code
  }

  public var description: String { "\(statusClass).\(subject).\(detail)" }

  /// status-code = class "." subject "." detail
  /// class = "2" / "4" / "5"; subject = 1*3digit; detail = 1*3digit
  static func parse(_ scanner: inout ByteScanner) -> EnhancedStatusCode? {
    let start = scanner.index
    func number(_ scanner: inout ByteScanner) -> Int? {
      let digits = scanner.take(while: ASCII.isDigit)
      guard (1...3).contains(digits.count) else { return nil }
      return digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }
    guard let c = scanner.peek(), c == 0x32 || c == 0x34 || c == 0x35 else { return nil }
    scanner.index += 1
    guard scanner.take(ASCII.dot), let subject = number(&scanner), scanner.take(ASCII.dot),
      let detail = number(&scanner)
    else {
      scanner.index = start
      return nil
    }
    return EnhancedStatusCode(Int(c - 0x30), subject, detail)
  }
}
