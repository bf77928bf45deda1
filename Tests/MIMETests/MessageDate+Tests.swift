import Foundation
import MIME
import Testing

@Suite struct MessageDateTests {
  typealias D = MessageDate

  static let cases: [(String, D?)] = [
    (
      "Tue, 1 Jul 2003 10:52:37 +0200",
      D(year: 2003, month: 7, day: 1, hour: 10, minute: 52, second: 37, zoneOffsetMinutes: 120)
    ),
    (
      "1 Jul 2003 10:52:37 -0700",
      D(year: 2003, month: 7, day: 1, hour: 10, minute: 52, second: 37, zoneOffsetMinutes: -420)
    ),
    (
      "Tue, 01 Jul 2003 10:52 +0000",
      D(year: 2003, month: 7, day: 1, hour: 10, minute: 52, second: 0, zoneOffsetMinutes: 0)
    ),
    (
      "Thu, 13 Feb 69 23:32 -0330 (Newfoundland Time)",
      D(year: 1969, month: 2, day: 13, hour: 23, minute: 32, second: 0, zoneOffsetMinutes: -210)
    ),
    (
      "Fri, 21 Nov 97 09:55:06 GMT",
      D(year: 1997, month: 11, day: 21, hour: 9, minute: 55, second: 6, zoneOffsetMinutes: 0)
    ),
    (
      "Mon, 3 Feb 25 9:05:01 EST",
      D(year: 2025, month: 2, day: 3, hour: 9, minute: 5, second: 1, zoneOffsetMinutes: -300)
    ),
    (
      "3 Feb 125 10:00:00 +0100",
      D(year: 2025, month: 2, day: 3, hour: 10, minute: 0, second: 0, zoneOffsetMinutes: 60)
    ),
    (
      "Tue, 1 Jul 2003 10:52:37 -0000",
      D(year: 2003, month: 7, day: 1, hour: 10, minute: 52, second: 37, zoneOffsetMinutes: nil)
    ),
    (
      "Tue, 1 Jul 2003 10:52:37",
      D(year: 2003, month: 7, day: 1, hour: 10, minute: 52, second: 37, zoneOffsetMinutes: nil)
    ),
    (
      "Tue Jul  1 10:52:37 2003",
      D(year: 2003, month: 7, day: 1, hour: 10, minute: 52, second: 37, zoneOffsetMinutes: nil)
    ),
    (
      "2003-07-01T10:52:37Z",
      D(year: 2003, month: 7, day: 1, hour: 10, minute: 52, second: 37, zoneOffsetMinutes: 0)
    ),
    (
      "2003-07-01 10:52:37 +02:00",
      D(year: 2003, month: 7, day: 1, hour: 10, minute: 52, second: 37, zoneOffsetMinutes: 120)
    ),
    (
      "Tuesday, 1 July 2003 10.52.37 +0200",
      D(year: 2003, month: 7, day: 1, hour: 10, minute: 52, second: 37, zoneOffsetMinutes: 120)
    ),
    (
      "1 Jul 2003 10:52:37 A",
      D(year: 2003, month: 7, day: 1, hour: 10, minute: 52, second: 37, zoneOffsetMinutes: nil)
    ),
    (
      "Tue,1 Jul 2003 10:52:37 +0200",
      D(year: 2003, month: 7, day: 1, hour: 10, minute: 52, second: 37, zoneOffsetMinutes: 120)
    ),
    ("not a date", nil),
    ("32 Jul 2003 10:00:00 +0000", nil),
    ("1 Jul 2003 25:00:00 +0000", nil),
    ("1 Foo 2003 10:00:00", nil),
    ("", nil),
  ]

  @Test(arguments: 0..<cases.count)
  func parses(_ i: Int) {
    let (input, expected) = Self.cases[i]
    #expect(MessageDate.parse(Array(input.utf8)) == expected, "\(input)")
  }

  @Test func instant() throws {
    let d = try #require(MessageDate.parse(Array("Tue, 1 Jul 2003 10:52:37 +0200".utf8)))
    #expect(d.secondsSince1970 == 1_057_049_557)
    let epoch = try #require(MessageDate.parse(Array("1 Jan 1970 00:00:00 +0000".utf8)))
    #expect(epoch.secondsSince1970 == 0)
    let leap = try #require(MessageDate.parse(Array("29 Feb 2024 12:00:00 -0100".utf8)))
    #expect(leap.secondsSince1970 == 1_709_211_600)
  }

  @Test func formatting() {
    let t = Date(timeIntervalSince1970: 1_057_049_557)
    #expect(MessageDate.format(t, offsetMinutes: 120) == "Tue, 1 Jul 2003 10:52:37 +0200")
    #expect(MessageDate.format(t) == "Tue, 1 Jul 2003 08:52:37 +0000")
    #expect(
      MessageDate.format(Date(timeIntervalSince1970: 0), offsetMinutes: -330)
        == "Wed, 31 Dec 1969 18:30:00 -0530")
    // Formatting and parsing agree across years and zones.
    for s in stride(from: Int64(-2_000_000_000), to: 4_000_000_000, by: 86_399 * 37) {
      for off in [-720, -90, 0, 345, 840] {
        let text = MessageDate.format(
          Date(timeIntervalSince1970: TimeInterval(s)), offsetMinutes: off)
        #expect(MessageDate.parse(Array(text.utf8))?.secondsSince1970 == s, "\(text)")
      }
    }
  }

  @Test func envelopeDate() {
    let s = MessageStructure.parse(Corpus.message("groups-and-obs"))
    #expect(s.envelope.parsedDate?.year == 1969)
  }
}
