import MIME
import Testing

@Suite struct SearchTextTests {
  @Test func alternativeParts() {
    let t = Message(Corpus.message("alternative")).searchText()
    #expect(t.header.contains("Subject: Your order #1042 has shipped"))
    #expect(t.body.contains("Estimated delivery: Thursday.\r\nCafé voucher inside!"))
    #expect(t.body.contains("Your order has shipped. Café voucher inside!"))
    #expect(!t.body.contains("<p>"))
    #expect(SearchText.contains(t.body, "CAFÉ VOUCHER"))
    #expect(!SearchText.contains(t.body, "tea voucher"))
  }

  @Test func headersAreDecoded() {
    let t = Message(Corpus.message("encoded-words")).searchText()
    #expect(t.header.contains("Subject: Übergrößenträger ✓"))
    #expect(t.header.contains("To: 山田太郎 <yamada@example.jp>"))
  }

  @Test func charsetsAndEncapsulatedMessages() {
    let t = Message(Corpus.message("charsets")).searchText()
    #expect(t.body.contains("こんにちは世界"))
    #expect(t.body.contains("Съешь же ещё"))
    let f = Message(Corpus.message("forward-rfc822")).searchText()
    #expect(f.body.contains("Subject: Meeting notes"))
    #expect(f.body.contains("oscar,send agenda"))
    #expect(!f.header.contains("oscar"))
  }

  @Test func attachmentsAreNotText() {
    let t = Message(Corpus.message("mixed-attachments")).searchText()
    #expect(t.body.contains("Please find the Q1 report attached."))
    #expect(!t.body.contains("JVBERi0"))
  }

  @Test func bodyBudget() {
    let m = Array(("Subject: big\r\n\r\n" + String(repeating: "abcdefghij", count: 1000)).utf8)
    let t = Message(m).searchText(maxBodyBytes: 25)
    #expect(t.body == "abcdefghijabcdefghijabcde")
  }

  @Test func html() {
    let page = """
      <html><head><style>p { color: red }</style><script>var x = "<p>";</script></head>
      <body><!-- hidden --><p>Fish &amp; chips&nbsp;&#8364;5 &#x263A;</p><p>a < b</p>\
      <div>line<br>break</div><b>bo</b>ld &bogus; &</body></html>
      """
    let m = Array(("Content-Type: text/html; charset=utf-8\r\n\r\n" + page).utf8)
    let body = Message(m).searchText().body
    #expect(body == "Fish & chips €5 ☺ a < b line break bold &bogus; &")
  }
}
