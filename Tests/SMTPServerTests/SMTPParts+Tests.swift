import Foundation
import Net
import SMTPCore
import Testing

@testable import SMTPServer

/// The pieces without a session: queue parameters, trace fields, settings.
@Suite struct SMTPPartsTests {
  @Test func outboundParametersRoundTrip() {
    let all = OutboundParameters(
      skip: 37, body: .eightBitMIME, smtputf8: true, submitter: "jörg+x=y@example.test",
      ret: .headers, envelopeID: "id 1")
    #expect(
      all.encoded
        == "SKIP=37 BODY=8BITMIME SMTPUTF8 AUTH=j+C3+B6rg+2Bx+3Dy@example.test RET=HDRS ENVID=id+201"
    )
    #expect(OutboundParameters(decoding: all.encoded) == all)
    #expect(OutboundParameters().encoded == "")
    #expect(OutboundParameters(decoding: "FUTURE=1 skip=5 junk") == OutboundParameters(skip: 5))
  }

  @Test func receivedFieldNamesTheIPLiteralAndProtocol() throws {
    let v6 = try SocketAddress(host: "2001:db8::1", port: 25)
    let date = Date(timeIntervalSince1970: 1_057_049_557)
    let session = TraceFields.Session(
      helo: HelloName("bad(name)"), extended: true, client: v6, host: "mx.example.test",
      tls: ("TLSv1.3", "TLS_AES_256_GCM_SHA384"), authenticated: false, smtputf8: false)
    let field = String(
      decoding: TraceFields.received(session, id: "ID1", recipient: "a@example.test", date: date),
      as: UTF8.self)
    let text = unfold(field)
    #expect(
      text.hasPrefix(
        "Received: from [IPv6:2001:db8::1] ([IPv6:2001:db8::1] helo=bad?name?) by mx.example.test with ESMTPS id ID1 (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384) for <a@example.test>; "
      ))
    #expect(field.hasSuffix("\r\n"))
    #expect(field.split(separator: "\r\n").allSatisfy { $0.utf8.count <= 78 })

    var plain = session
    plain.tls = nil
    plain.extended = false
    #expect(TraceFields.protocolName(plain) == "SMTP")
    plain.authenticated = true
    plain.tls = ("TLSv1.2", "x")
    plain.extended = true
    #expect(TraceFields.protocolName(plain) == "ESMTPSA")
    plain.smtputf8 = true
    #expect(TraceFields.protocolName(plain) == "UTF8SMTPSA")
    let mapped = try SocketAddress(host: "::ffff:192.0.2.7", port: 1)
    #expect(TraceFields.ipLiteral(mapped) == "[192.0.2.7]")
  }

  @Test func greetingNameFollowsSNIOnlyForOurNames() {
    let settings = SMTPSettings(hostName: "mx.example.test", hostNames: ["smtp.example.test"])
    #expect(settings.greetingName(serverName: nil) == "mx.example.test")
    #expect(settings.greetingName(serverName: "SMTP.example.test") == "smtp.example.test")
    #expect(settings.greetingName(serverName: "evil.example") == "mx.example.test")
  }
}
