/// A one-pass, lenient reader for RFC 5322 address lists.
///
/// address-list = (address *("," address)) / obs-addr-list
/// address      = mailbox / group
/// mailbox      = name-addr / addr-spec
/// name-addr    = [display-name] angle-addr
/// angle-addr   = [CFWS] "<" [obs-route] addr-spec ">" [CFWS]
/// group        = display-name ":" [group-list] ";" [CFWS]
///
/// Tokens are consumed once. Each entry is built in two shapes at the same time, a phrase
/// (words joined by spaces) and an addr-spec (words glued together), and the shape is chosen
/// when the entry ends; so no token list is kept and memory stays proportional to the value.
struct AddressParser {
  private let buf: UnsafeRawBufferPointer
  private var lexer: StructuredLexer
  private let maxAddresses: Int
  private var result: [Address] = []
  private var count = 0

  private var group: (name: String, members: [Mailbox])?
  // The entry being read.
  private var phrase: [UInt8] = []
  private var spec: [UInt8] = []
  private var specAt: Int?
  private var comment: [UInt8]?
  private var angle: (name: [UInt8], route: String?, spec: [UInt8], at: Int?)?

  static func parse(_ buf: UnsafeRawBufferPointer, _ range: Range<Int>, maxAddresses: Int)
    -> [Address]
  {
    var work = 0
    return parse(buf, range, maxAddresses: maxAddresses, work: &work)
  }

  /// Parses and adds the bytes the lexer consumed to `work`.
  static func parse(
    _ buf: UnsafeRawBufferPointer, _ range: Range<Int>, maxAddresses: Int, work: inout Int
  ) -> [Address] {
    var p = AddressParser(buf: buf, range: range, maxAddresses: maxAddresses)
    p.run()
    work += p.lexer.consumed
    return p.result
  }

  private init(buf: UnsafeRawBufferPointer, range: Range<Int>, maxAddresses: Int) {
    self.buf = buf
    self.lexer = StructuredLexer(buf, range, dialect: .rfc5322)
    self.maxAddresses = maxAddresses
  }

  private mutating func run() {
    while count < maxAddresses {
      let before = lexer.position
      let token = lexer.next()
      // Whether whitespace separated this token from the previous one; phrases keep one space.
      let spaced = lexer.position > before + 1 && ASCII.isWhitespace(buf[before])
      switch token {
      case .end:
        finishEntry()
        finishGroup()
        return
      case .atom(let r):
        addWord(Array(buf[r]), spaced: spaced)
      case .quoted(let r):
        addWord(StructuredLexer.unescape(buf, r), spaced: spaced)
      case .domainLiteral(let r):
        addWord(Array(buf[r]), spaced: spaced)
      case .comment(let r):
        let text = StructuredLexer.unescape(buf, r)
        if comment == nil && !text.isEmpty { comment = text }
      case .special(let c):
        switch c {
        case UInt8(ascii: "."):
          if spaced && !phrase.isEmpty { phrase.append(ASCII.space) }
          phrase.append(c)
          spec.append(c)
        case UInt8(ascii: "@"):
          specAt = spec.count
          spec.append(c)
        case UInt8(ascii: "<"):
          readAngle()
        case UInt8(ascii: ":"):
          if group == nil && angle == nil && specAt == nil {
            group = (HeaderText.string(phrase), [])
            resetEntry()
          }
        case UInt8(ascii: ";"):
          finishEntry()
          finishGroup()
        case UInt8(ascii: ","):
          finishEntry()
        default:
          break
        }
      }
    }
  }

  private mutating func addWord(_ word: [UInt8], spaced: Bool) {
    if !phrase.isEmpty && spaced { phrase.append(ASCII.space) }
    phrase.append(contentsOf: word)
    spec.append(contentsOf: word)
  }

  /// After "<": [obs-route] addr-spec ">".
  private mutating func readAngle() {
    var route: [UInt8] = []
    var inner: [UInt8] = []
    var at: Int?
    var sawRouteColon = false
    loop: while true {
      let save = lexer.position
      switch lexer.nextSkippingComments() {
      case .end:
        break loop
      case .special(UInt8(ascii: ">")):
        break loop
      case .special(UInt8(ascii: "@")):
        at = inner.count
        inner.append(UInt8(ascii: "@"))
      case .special(UInt8(ascii: ":")) where !sawRouteColon && inner.first == UInt8(ascii: "@"):
        // "@a,@b:" was a source route.
        route = inner
        inner = []
        at = nil
        sawRouteColon = true
      case .special(UInt8(ascii: ",")):
        if inner.first == UInt8(ascii: "@") && !sawRouteColon {
          inner.append(UInt8(ascii: ","))
        } else {
          // A comma inside <> that is no route: the ">" is missing; end the entry here.
          lexer.position = save
          break loop
        }
      case .special(UInt8(ascii: "<")):
        // A stray "<" before the real address: restart.
        inner = []
        at = nil
      case .special(let c):
        if c == UInt8(ascii: ".") { inner.append(c) }
        if c == UInt8(ascii: ";") {
          lexer.position = save
          break loop
        }
      case .atom(let r), .domainLiteral(let r):
        inner.append(contentsOf: buf[r])
      case .quoted(let r):
        inner.append(contentsOf: StructuredLexer.unescape(buf, r))
      case .comment:
        break
      }
    }
    let name = angle == nil ? phrase : angle!.name
    angle = (name, route.isEmpty ? nil : HeaderText.string(route), inner, at)
  }

  private mutating func finishEntry() {
    defer { resetEntry() }
    let mailbox: Mailbox
    if let a = angle {
      let (local, domain) = split(a.spec, at: a.at)
      let name = a.name.isEmpty ? comment : a.name
      mailbox = Mailbox(
        displayName: name.map(HeaderText.string), route: a.route, localPart: local,
        domain: domain)
    } else if specAt != nil {
      let (local, domain) = split(spec, at: specAt)
      mailbox = Mailbox(
        displayName: comment.map(HeaderText.string), localPart: local, domain: domain)
    } else if !phrase.isEmpty {
      mailbox = Mailbox(
        displayName: comment.map(HeaderText.string), localPart: HeaderText.string(phrase),
        domain: nil)
    } else {
      return
    }
    count += 1
    if group != nil {
      group!.members.append(mailbox)
    } else {
      result.append(.mailbox(mailbox))
    }
  }

  private mutating func finishGroup() {
    guard let g = group else { return }
    result.append(.group(MailboxGroup(displayName: g.name, members: g.members)))
    count += 1
    group = nil
  }

  private mutating func resetEntry() {
    phrase.removeAll(keepingCapacity: true)
    spec.removeAll(keepingCapacity: true)
    specAt = nil
    comment = nil
    angle = nil
  }

  private func split(_ spec: [UInt8], at: Int?) -> (String, String?) {
    guard let at else { return (HeaderText.string(spec), nil) }
    return (HeaderText.string(spec[..<at]), HeaderText.string(spec[(at + 1)...]))
  }
}
