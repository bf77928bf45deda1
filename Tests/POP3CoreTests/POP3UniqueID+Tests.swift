import POP3Core
import Testing

@Suite struct POP3UniqueIDTests {
  @Test func isFixedWidthPrintableASCII() {
    for (validity, uid) in [(UInt32(0), UInt32(0)), (1, 1), (0x6543_21AB, 42), (.max, .max)] {
      let id = POP3UniqueID(uidValidity: validity, uid: uid)
      let bytes = Array(id.value.utf8)
      #expect(bytes.count == 16)
      #expect(bytes.allSatisfy { (0x21...0x7E).contains($0) })
      #expect(POP3UniqueID(id.value) == id)
    }
    #expect(POP3UniqueID(uidValidity: 0x6543_21AB, uid: 42).value == "654321ab0000002a")
    #expect(POP3UniqueID(uidValidity: 1, uid: 2).description == "0000000100000002")
  }

  @Test func isUniqueAndStable() {
    var seen = Set<String>()
    for validity in [UInt32(1), 2, 0x1_0000] {
      for uid in UInt32(1)...300 {
        let value = POP3UniqueID(uidValidity: validity, uid: uid).value
        #expect(seen.insert(value).inserted)
        // The same inputs always give the same value (stable across sessions).
        #expect(POP3UniqueID(uidValidity: validity, uid: uid).value == value)
      }
    }
  }

  @Test func rejectsForeignValues() {
    for text in [
      "", "abc", "654321AB0000002A", "654321ab0000002", "654321ab0000002ag", "zz4321ab0000002a",
    ] {
      #expect(POP3UniqueID(text) == nil, "\(text)")
    }
  }
}
