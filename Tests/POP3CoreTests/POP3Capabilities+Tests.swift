import POP3Core
import Testing

@Suite struct POP3CapabilitiesTests {
  @Test func plaintextAllowedOverTLS() {
    let config = POP3SessionConfiguration(isTLS: true, tlsAvailable: true)
    #expect(
      config.capabilities.lines == [
        "TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "USER",
        "SASL SCRAM-SHA-256 PLAIN LOGIN", "IMPLEMENTATION Posta",
      ])
  }

  @Test func plaintextRefusedOnAPlainConnection() {
    let config = POP3SessionConfiguration(isTLS: false, tlsAvailable: true)
    #expect(
      config.capabilities.lines == [
        "TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING",
        "SASL SCRAM-SHA-256", "STLS", "IMPLEMENTATION Posta",
      ])
    #expect(!config.capabilities.lines.contains("USER"))
  }

  @Test func loopbackCountedSecure() {
    let config = POP3SessionConfiguration(isTLS: false, tlsAvailable: true, secureWithoutTLS: true)
    #expect(
      config.capabilities.lines == [
        "TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "USER",
        "SASL SCRAM-SHA-256 PLAIN LOGIN", "STLS", "IMPLEMENTATION Posta",
      ])
  }

  @Test func noTLSNoSASLNoImplementation() {
    let config = POP3SessionConfiguration(
      tlsAvailable: false, saslMechanisms: ["PLAIN"], implementation: nil)
    #expect(
      config.capabilities.lines == ["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"])
  }

  @Test func neverAdvertisesExpireOrLoginDelay() {
    for tls in [false, true] {
      let lines = POP3SessionConfiguration(isTLS: tls).capabilities.lines
      #expect(!lines.contains { $0.hasPrefix("EXPIRE") || $0.hasPrefix("LOGIN-DELAY") })
    }
  }

  @Test func capaReplyIsMultiLine() {
    let caps = POP3Capabilities(user: true, saslMechanisms: [], stls: false, implementation: "X")
    #expect(
      String(decoding: caps.response.encoded(), as: UTF8.self)
        == "+OK Capability list follows\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\n"
        + "PIPELINING\r\nUSER\r\nIMPLEMENTATION X\r\n.\r\n")
  }
}
