// Shared by the test target and the libFuzzer harnesses (Tests/Fuzz/MIME/build.sh compiles it
// into each harness), so it imports nothing.

/// An independent reader of RFC 9051 §9 `body` and `envelope` productions, used to check that
/// everything the MIME module renders is well-formed. It returns nil when the whole input is
/// one valid production, else a message with the offset of the first problem.
///
/// Strings are also held to IMAP4rev1 (RFC 3501) rules, which are stricter: a quoted string
/// must be 7-bit without CR or LF, and a literal must not contain NUL.
struct IMAPGrammarCheck {
  private let b: [UInt8]
  private var i = 0
  private var depth = 0

  private init(_ b: [UInt8]) { self.b = b }

  /// Checks `body` (BODY or BODYSTRUCTURE).
  static func body(_ bytes: [UInt8]) -> String? {
    var c = IMAPGrammarCheck(bytes)
    return c.run { try $0.body() }
  }

  /// Checks `envelope`.
  static func envelope(_ bytes: [UInt8]) -> String? {
    var c = IMAPGrammarCheck(bytes)
    return c.run { try $0.envelope() }
  }

  private struct Failure: Error {
    var message: String
  }

  private mutating func run(_ production: (inout IMAPGrammarCheck) throws -> Void) -> String? {
    do {
      try production(&self)
      if i != b.count { throw Failure(message: "trailing bytes") }
      return nil
    } catch let f as Failure {
      return "\(f.message) at offset \(i)"
    } catch {
      return "unexpected error"
    }
  }

  private func fail(_ m: String) -> Failure { Failure(message: m) }

  private var peek: UInt8? { i < b.count ? b[i] : nil }

  private mutating func expect(_ c: UInt8) throws {
    guard peek == c else { throw fail("expected '\(Character(Unicode.Scalar(c)))'") }
    i += 1
  }

  private mutating func sp() throws { try expect(0x20) }

  private func atNil() -> Bool {
    i + 3 <= b.count && b[i] == 0x4E && b[i + 1] == 0x49 && b[i + 2] == 0x4C
  }

  private mutating func nilValue() throws {
    guard atNil() else { throw fail("expected NIL") }
    i += 3
  }

  /// string = quoted / literal; returns its content.
  @discardableResult
  private mutating func string() throws -> [UInt8] {
    if peek == 0x22 {
      i += 1
      var out = [UInt8]()
      while true {
        guard let c = peek else { throw fail("unterminated quoted string") }
        i += 1
        if c == 0x22 { return out }
        if c == 0x5C {
          guard let e = peek, e == 0x22 || e == 0x5C else { throw fail("bad escape") }
          out.append(e)
          i += 1
          continue
        }
        guard c >= 0x01 && c < 0x80 && c != 0x0D && c != 0x0A else {
          throw fail("byte \(c) not allowed in a quoted string")
        }
        out.append(c)
      }
    }
    guard peek == 0x7B else { throw fail("expected string") }
    i += 1
    var n = 0
    var digits = 0
    while let d = peek, d >= 0x30 && d <= 0x39 {
      n = n * 10 + Int(d - 0x30)
      digits += 1
      i += 1
      if digits > 12 { throw fail("literal length too long") }
    }
    guard digits > 0 else { throw fail("literal without length") }
    try expect(0x7D)
    try expect(0x0D)
    try expect(0x0A)
    guard i + n <= b.count else { throw fail("literal runs past the end") }
    let content = Array(b[i..<(i + n)])
    if content.contains(0) { throw fail("NUL in literal") }
    i += n
    return content
  }

  private mutating func nstring() throws {
    if atNil() { try nilValue() } else { try string() }
  }

  private mutating func number() throws {
    var digits = 0
    while let d = peek, d >= 0x30 && d <= 0x39 {
      i += 1
      digits += 1
    }
    guard digits > 0 else { throw fail("expected number") }
  }

  // envelope = "(" env-date SP env-subject SP env-from SP env-sender SP env-reply-to SP
  //            env-to SP env-cc SP env-bcc SP env-in-reply-to SP env-message-id ")"
  private mutating func envelope() throws {
    try expect(0x28)
    try nstring()
    try sp()
    try nstring()
    for _ in 0..<6 {
      try sp()
      try addressList()
    }
    try sp()
    try nstring()
    try sp()
    try nstring()
    try expect(0x29)
  }

  // "(" 1*address ")" / nil, with group markers balanced.
  private mutating func addressList() throws {
    if atNil() {
      try nilValue()
      return
    }
    try expect(0x28)
    var count = 0
    var openGroup = false
    while peek == 0x28 {
      // address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"
      i += 1
      try nstring()
      try sp()
      try nstring()
      try sp()
      let mailboxIsNil = atNil()
      try nstring()
      try sp()
      let hostIsNil = atNil()
      try nstring()
      try expect(0x29)
      if hostIsNil {
        if mailboxIsNil {
          guard openGroup else { throw fail("group end marker without a start") }
          openGroup = false
        } else {
          guard !openGroup else { throw fail("nested group") }
          openGroup = true
        }
      }
      count += 1
    }
    guard count > 0 else { throw fail("empty address list") }
    guard !openGroup else { throw fail("unterminated group") }
    try expect(0x29)
  }

  // body = "(" (body-type-1part / body-type-mpart) ")"
  private mutating func body() throws {
    depth += 1
    defer { depth -= 1 }
    if depth > 1_000 { throw fail("nesting too deep") }
    try expect(0x28)
    if peek == 0x28 {
      // body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
      while peek == 0x28 { try body() }
      try sp()
      try string()
      if peek == 0x20 {
        try sp()
        try bodyFieldParam()
        try extensionTail()
      }
    } else {
      let type = try string().map(upper)
      try sp()
      let subtype = try string().map(upper)
      try sp()
      // body-fields = body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP
      //               body-fld-octets
      try bodyFieldParam()
      try sp()
      try nstring()
      try sp()
      try nstring()
      try sp()
      try string()
      try sp()
      try number()
      let isMessage =
        type == Array("MESSAGE".utf8)
        && (subtype == Array("RFC822".utf8) || subtype == Array("GLOBAL".utf8))
      if isMessage {
        // body-type-msg = media-message SP body-fields SP envelope SP body SP body-fld-lines
        try sp()
        try envelope()
        try sp()
        try body()
        try sp()
        try number()
      } else if type == Array("TEXT".utf8) {
        try sp()
        try number()
      }
      if peek == 0x20 {
        // body-ext-1part = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc]]]
        try sp()
        try nstring()
        try extensionTail()
      }
    }
    try expect(0x29)
  }

  private func upper(_ c: UInt8) -> UInt8 { c >= 0x61 && c <= 0x7A ? c - 0x20 : c }

  // [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc]]]
  private mutating func extensionTail() throws {
    guard peek == 0x20 else { return }
    try sp()
    if atNil() {
      try nilValue()
    } else {
      try expect(0x28)
      try string()
      try sp()
      try bodyFieldParam()
      try expect(0x29)
    }
    guard peek == 0x20 else { return }
    try sp()
    if peek == 0x28 {
      i += 1
      try string()
      while peek == 0x20 {
        try sp()
        try string()
      }
      try expect(0x29)
    } else {
      try nstring()
    }
    guard peek == 0x20 else { return }
    try sp()
    try nstring()
  }

  // body-fld-param = "(" string SP string *(SP string SP string) ")" / nil
  private mutating func bodyFieldParam() throws {
    if atNil() {
      try nilValue()
      return
    }
    try expect(0x28)
    try string()
    try sp()
    try string()
    while peek == 0x20 {
      try sp()
      try string()
      try sp()
      try string()
    }
    try expect(0x29)
  }
}
