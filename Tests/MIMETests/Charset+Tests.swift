import Foundation
import MIME
import Testing

@Suite struct CharsetTests {
  /// Each corpus part was encoded by Python's codecs, independently of glibc's iconv.
  @Test func corpusPartsDecodeInEveryCharset() throws {
    let expected = [
      "Grüße, мир, 世界 ✓", "Déjà vu, naïve café", "Zażółć gęślą jaźń", "Привет, мир",
      "Καλημέρα κόσμε", "Prix: 10 € œuvre", "Příliš žluťoučký kůň",
      "Съешь же ещё этих мягких французских булок", "“Smart quotes” – and €uro",
      "Широкая электрификация", "你好，世界", "朱镕基 (GBK-only character labelled GB2312)",
      "欢迎使用电子邮件", "𠀀 and 中文", "こんにちは世界", "①② (Windows-31J labelled Shift_JIS)",
      "日本語のテキスト", "メールの件名です", "繁體中文測試", "안녕하세요 세계", "abc\u{FFFD}",
    ]
    let message = Message(Corpus.message("charsets"))
    let parts = try #require(message.structure.root.children)
    #expect(parts.count == expected.count)
    for (part, text) in zip(parts, expected) {
      #expect(message.text(of: part) == text, "\(part.contentType.charset ?? "")")
    }
  }

  @Test func encodedWordsInEveryCharset() throws {
    let data = try Data(contentsOf: Corpus.url("encoded-words.decoded.json"))
    let expected = try JSONDecoder().decode([String: String].self, from: data)
    let m = Corpus.message("encoded-words")
    let header = Header.parse(m)
    for (name, text) in expected {
      let field = try #require(header.first(named: name), "\(name)")
      #expect(field.decodedValue(in: m) == text, "\(name)")
    }
    let s = MessageStructure.parse(m)
    #expect(s.envelope.decodedSubject == "Übergrößenträger ✓")
    #expect(s.envelope.to?.allMailboxes.map { $0.decodedDisplayName } == ["山田太郎", "王小明"])
  }

  @Test func encodedWordEdgeCases() {
    func d(_ s: String) -> String { EncodedWords.decode(Array(s.utf8)) }
    #expect(d("=?utf-8?q?a?= =?utf-8?q?b?=") == "ab")
    #expect(d("=?utf-8?q?a?=\r\n\t=?iso-8859-1?q?=E9?=") == "aé")
    #expect(d("=?utf-8?q?a?= x =?utf-8?q?b?=") == "a x b")
    #expect(d("x=?utf-8?q?glued?=y") == "xgluedy")
    #expect(d("=?utf-8?q?has space?=") == "=?utf-8?q?has space?=")
    #expect(d("=?utf-8?B?invalid!!base64?=") != "")
    #expect(d("=?=?=?=?") == "=?=?=?=?")
    #expect(d("=?utf-8?q?unterminated") == "=?utf-8?q?unterminated")
    #expect(d("=??q?empty-charset?=") == "=??q?empty-charset?=")
    #expect(d("=?utf-8?Q?=C3?= =?utf-8?Q?=A9?=") == "é")
    #expect(d("raw caf\u{E9}") == "raw café")
    #expect(EncodedWords.decode([0x63, 0x61, 0x66, 0xE9]) == "café")
  }

  @Test func encodingRoundTrips() {
    for s in [
      "plain", "Grüße aus Köln", "日本語の件名とても長いテキストがここに続きますのでエンコードされた単語が分割されます",
      "mixed ascii and ünïcödé words", "=?looks?q?encoded?=", "tab\tand emoji 🎉",
    ] {
      let e = EncodedWords.encode(s)
      #expect(e.utf8.allSatisfy { $0 < 0x80 }, "\(e)")
      #expect(e.split(separator: " ").allSatisfy { $0.utf8.count <= 75 }, "\(e)")
      #expect(EncodedWords.decode(Array(e.utf8)) == s, "\(e)")
    }
    #expect(EncodedWords.encode("plain words") == "plain words")
  }

  @Test func charsetNames() {
    #expect(Charset.iconvName(for: "UTF-8") == "UTF-8")
    #expect(Charset.iconvName(for: "us-ascii") == "US-ASCII")
    #expect(Charset.iconvName(for: " \"iso-8859-1\" ") == "CP1252")
    #expect(Charset.iconvName(for: "ISO_8859-15") == "ISO-8859-15")
    #expect(Charset.iconvName(for: "iso-8859-12") == nil)
    #expect(Charset.iconvName(for: "x-cp1251") == "CP1251")
    #expect(Charset.iconvName(for: "gb2312") == "GB18030")
    #expect(Charset.iconvName(for: "utf-8*en") == "UTF-8")
    #expect(Charset.iconvName(for: "ISO-2022-CN-EXT") == nil)
    #expect(Charset.iconvName(for: "../../etc/passwd") == nil)
  }

  @Test func badBytesBecomeReplacementCharacters() {
    #expect(Charset.decode([0x61, 0xFF, 0x62], charset: "utf-8") == "a\u{FFFD}b")
    #expect(Charset.decode([0xC4, 0xE3, 0xFF], charset: "gbk") == "你\u{FFFD}")
    #expect(Charset.decode([0x82], charset: "shift_jis") == "\u{FFFD}")
    #expect(Charset.decode([0x1B, 0x24, 0x42, 0x30], charset: "iso-2022-jp").contains("\u{FFFD}"))
    #expect(Charset.decode([0x61, 0x80], charset: "no-such-charset") == "a\u{FFFD}")
    #expect(Charset.decode([0x61, 0x62], charset: "no-such-charset") == "ab")
    #expect(Charset.decode([UInt8](), charset: "euc-jp") == "")
    #expect(Charset.decode([0xE9], charset: "latin1") == "é")
    #expect(Charset.decode([0x80], charset: "windows-1252") == "€")
    // Mislabelled US-ASCII: UTF-8 when it is valid UTF-8, else windows-1252.
    #expect(Charset.decode([0x63, 0x61, 0x66, 0xC3, 0xA9], charset: "us-ascii") == "café")
    #expect(Charset.decode([0x63, 0x61, 0x66, 0xE9], charset: "US-ASCII") == "café")
  }

  @Test func largeInputCrossesTheConverterBuffer() {
    let text = String(repeating: "中文字符测试", count: 10_000)
    let gbk = Charset.decode(Array(text.utf8), charset: "utf-8")
    #expect(gbk == text)
    // GB18030 bytes for 中 are D6 D0; 60,000 characters exceed the 16 KiB output chunk.
    var bytes = [UInt8]()
    for _ in 0..<60_000 { bytes += [0xD6, 0xD0] }
    #expect(Charset.decode(bytes, charset: "gb18030") == String(repeating: "中", count: 60_000))
  }
}
