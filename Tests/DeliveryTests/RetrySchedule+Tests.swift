import Delivery
import SMTPCore
import Testing

@Suite struct RetryScheduleTests {
  let created: Int64 = 1_700_000_000

  @Test func intervalsGrowThenRepeatHourly() {
    let s = RetrySchedule()
    var now = created
    var waits: [Int64] = []
    for attempt in 1...8 {
      guard
        case .retry(let at) = s.afterTemporaryFailure(attempt: attempt, created: created, now: now)
      else {
        Issue.record("expired too early at attempt \(attempt)")
        return
      }
      waits.append(at - now)
      now = at
    }
    #expect(waits == [60, 300, 900, 1800, 3600, 3600, 3600, 3600])
  }

  @Test func lastAttemptIsAtTheDeadlineThenExpiry() {
    let s = RetrySchedule(intervals: [60], expiry: 150)
    #expect(
      s.afterTemporaryFailure(attempt: 1, created: created, now: created)
        == .retry(at: created + 60))
    #expect(
      s.afterTemporaryFailure(attempt: 2, created: created, now: created + 100)
        == .retry(at: created + 150))
    #expect(s.afterTemporaryFailure(attempt: 3, created: created, now: created + 150) == .expire)
    #expect(s.afterTemporaryFailure(attempt: 9, created: created, now: created + 10_000) == .expire)
  }

  @Test func defaultExpiryIsFiveDays() {
    let s = RetrySchedule()
    let almost = created + 5 * 86_400 - 1
    #expect(
      s.afterTemporaryFailure(attempt: 50, created: created, now: almost) == .retry(at: almost + 1))
    #expect(s.afterTemporaryFailure(attempt: 51, created: created, now: almost + 1) == .expire)
  }

  @Test func delayWarningOnceWhenCrossingTheThreshold() {
    let off = RetrySchedule()
    #expect(!off.isDelayWarningDue(created: created, previous: created, now: created + 99_999))
    let s = RetrySchedule(delayWarning: 4 * 3600)
    let threshold = created + 4 * 3600
    #expect(!s.isDelayWarningDue(created: created, previous: created, now: threshold - 1))
    #expect(s.isDelayWarningDue(created: created, previous: threshold - 60, now: threshold + 10))
    // The attempt after that one: the previous attempt was already past the threshold.
    #expect(!s.isDelayWarningDue(created: created, previous: threshold + 10, now: threshold + 3610))
  }
}

@Suite struct DeliveryReplyTests {
  @Test func storedFormRoundTrips() {
    let remote = DeliveryReply(
      Reply(code: 550, enhancedCode: EnhancedStatusCode(5, 1, 1), lines: ["No such", "user here"]),
      from: "mx.b.test")
    #expect(remote.description == "mx.b.test said: 550 5.1.1 No such user here")
    #expect(DeliveryReply(stored: remote.description, permanent: true) == remote)

    let local = DeliveryReply(
      code: 451, enhancedCode: EnhancedStatusCode(4, 4, 1), text: "connection refused")
    #expect(local.description == "451 4.4.1 connection refused")
    #expect(DeliveryReply(stored: local.description, permanent: false) == local)

    let bare = DeliveryReply(stored: "421 closing", permanent: false)
    #expect(bare.code == 421 && bare.enhancedCode == nil && bare.text == "closing")
    #expect(bare.status.description == "4.0.0")

    let junk = DeliveryReply(stored: "something odd", permanent: true)
    #expect(junk.code == 550 && junk.text == "something odd")
  }

  @Test func controlCharactersAndLengthAreTamed() {
    let r = DeliveryReply(
      code: 550, enhancedCode: nil, text: "a\r\nb\u{7}" + String(repeating: "x", count: 2000))
    #expect(!r.text.contains("\r") && !r.text.contains("\n"))
    #expect(r.text.count < 1000)
  }
}

@Suite struct QueueParametersTests {
  @Test func readsWhatTheSMTPServerWrites() {
    let p = QueueParameters(
      decoding: "SKIP=42 BODY=8BITMIME SMTPUTF8 AUTH=al+2Bice@a.test ENVID=x+3Dy FOO=1")
    #expect(p.skip == 42)
    #expect(p.body == .eightBitMIME)
    #expect(p.smtputf8)
    #expect(p.submitter == "al+ice@a.test")
    #expect(p.envelopeID == "x=y")
    #expect(QueueParameters(decoding: p.encoded) == p)
    #expect(QueueParameters(decoding: "") == QueueParameters())
    #expect(QueueParameters(decoding: "SKIP=-5").skip == 0)
  }
}
