import Foundation
import MIME
import Testing

@Suite struct CorpusTests {
  static let names = Corpus.names

  @Test func corpusIsComplete() {
    #expect(Self.names.count >= 18)
    for name in Self.names {
      #expect(Corpus.expected(name, "envelope") != nil, "\(name)")
    }
  }

  @Test(arguments: names)
  func envelopeMatches(_ name: String) throws {
    let structure = MessageStructure.parse(Corpus.message(name))
    let expected = try #require(Corpus.expected(name, "envelope"))
    #expect(structure.imapEnvelope.text == expected.text)
    #expect(IMAPGrammarCheck.envelope(structure.imapEnvelope) == nil)
  }

  @Test(arguments: names)
  func bodyStructureMatches(_ name: String) throws {
    let structure = MessageStructure.parse(Corpus.message(name))
    let got = structure.imapBodyStructure
    if let expected = Corpus.expected(name, "bodystructure") {
      #expect(got.text == expected.text)
    }
    #expect(IMAPGrammarCheck.body(got) == nil, "\(got.text)")
  }

  @Test(arguments: names)
  func bodyMatches(_ name: String) {
    let structure = MessageStructure.parse(Corpus.message(name))
    let got = structure.imapBody
    if let expected = Corpus.expected(name, "body") {
      #expect(got.text == expected.text)
    }
    #expect(IMAPGrammarCheck.body(got) == nil, "\(got.text)")
    // BODY is BODYSTRUCTURE without extension data, so it is never longer.
    #expect(got.count <= structure.imapBodyStructure.count)
  }

  @Test(arguments: names)
  func structureSurvivesCodable(_ name: String) throws {
    let structure = MessageStructure.parse(Corpus.message(name))
    let data = try JSONEncoder().encode(structure)
    let back = try JSONDecoder().decode(MessageStructure.self, from: data)
    #expect(back == structure)
    #expect(back.imapBodyStructure == structure.imapBodyStructure)
  }

  @Test(arguments: names)
  func mappedFileGivesTheSameResult(_ name: String) throws {
    let mapped = try MappedFile(path: Corpus.url(name + ".eml").path)
    let fromArray = MessageStructure.parse(Corpus.message(name))
    let fromMap = MessageStructure.parse(mapped)
    #expect(fromMap == fromArray)
    #expect(mapped.count == fromArray.size)
  }

  @Test func missingFileIsATypedError() {
    #expect(throws: MappedFileError.self) { try MappedFile(path: "/nonexistent/posta-mime.eml") }
    let e = MappedFileError.open(path: "/x", errno: ENOENT)
    #expect(e.description.contains("No such file"))
  }

  @Test func emptyFileMapsToNoBytes() throws {
    let path = NSTemporaryDirectory() + "posta-mime-empty-\(getpid()).eml"
    #expect(FileManager.default.createFile(atPath: path, contents: Data()))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let mapped = try MappedFile(path: path)
    #expect(mapped.count == 0)
    let s = MessageStructure.parse(mapped)
    #expect(s.size == 0)
    #expect(IMAPGrammarCheck.body(s.imapBodyStructure) == nil)
  }

  @Test func forwardedMessageTree() throws {
    let s = MessageStructure.parse(Corpus.message("forward-rfc822"))
    let children = try #require(s.root.children)
    #expect(children.count == 2)
    let inner = try #require(children[1].encapsulatedMessage)
    #expect(inner.envelope?.subject == "Meeting notes")
    #expect(inner.children?.count == 2)
    #expect(inner.children?[1].disposition?.filename == "actions.csv")
    #expect(s.root.leaves.count == 3)
  }

  @Test func deepNestingStopsAtTheLimit() throws {
    let s = MessageStructure.parse(Corpus.message("deep-nesting"))
    var part = s.root
    var depth = 0
    while let c = part.children?.first {
      part = c
      depth += 1
    }
    #expect(depth == 100)
    #expect(part.issue == .depthLimit)
    #expect(part.contentType.isMultipart)
  }

  @Test func degradedContainersAreMarked() throws {
    let s = MessageStructure.parse(Corpus.message("degraded"))
    let c = try #require(s.root.children)
    #expect(c.map(\.issue) == [.missingBoundary, .encodedMessage, .noParts])
  }
}

@Suite struct BodyStructureFormTests {
  func bodystructure(_ m: String) -> String {
    MessageStructure.parse(Array(m.utf8)).imapBodyStructure.text
  }

  @Test func otherMessageTypesAreBasic() {
    let s = bodystructure("Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; x\r\n")
    #expect(s == "(\"MESSAGE\" \"DELIVERY-STATUS\" NIL NIL NIL \"7BIT\" 23 NIL NIL NIL NIL)")
  }

  @Test func controlCharactersDoNotHideInMediaTypes() {
    let s = bodystructure("Content-Type: \0\0text/pl\u{1}ain\r\n\r\nx")
    #expect(s == "(\"TEXT\" \"PL\" NIL NIL NIL \"7BIT\" 1 1 NIL NIL NIL NIL)")
    #expect(IMAPGrammarCheck.body(Array(s.utf8)) == nil)
  }

  @Test func messageGlobalIsEncapsulated() {
    let s = MessageStructure.parse(
      Array("Content-Type: message/global\r\n\r\nSubject: é\r\n\r\nbody".utf8))
    #expect(s.root.encapsulatedMessage?.envelope?.subject == "é")
    #expect(IMAPGrammarCheck.body(s.imapBodyStructure) == nil)
  }
}
