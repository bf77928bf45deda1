import DKIM
import Delivery
import Foundation
import MIME
import Testing

@Suite struct DKIMSigningTests {
  @Test func signsForHostedDomainsAndTheirSubdomainsOnly() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let store = DKIMKeyStore(dataDirectory: dir.path)
    let signing = DKIMSigning(keyStore: store, domains: ["A.test."])

    #expect(signing.signingDomain(forFromDomain: "a.test") == "a.test")
    #expect(signing.signingDomain(forFromDomain: "Mail.A.Test") == "a.test")
    #expect(signing.signingDomain(forFromDomain: "b.test") == nil)
    #expect(signing.signingDomain(forFromDomain: "xa.test") == nil)

    let message = sampleMessage()
    #expect(DKIMSigning.fromDomain(of: message) == "a.test")
    let fields = try #require(try signing.signatureFields(for: message))
    let text = String(decoding: fields, as: UTF8.self)
    #expect(text.hasPrefix("DKIM-Signature:"))
    #expect(text.contains("d=a.test"))
    #expect(text.contains("a=rsa-sha256"))
    // The key store now has the domain's key, and the signature names its selector.
    let keys = try #require(try store.keys(for: "a.test"))
    #expect(text.contains("s=\(keys.selector)"))
    // The prepended field parses as a header field of the signed message.
    let signed = fields + message
    #expect(Header.parse(signed).fields.first?.name == "DKIM-Signature")

    let foreign = sampleMessage(from: "eve@b.test")
    #expect(try signing.signatureFields(for: foreign) == nil)
    #expect(try signing.signatureFields(for: "Subject: no from\r\n\r\nx\r\n".bytes) == nil)

    signing.setDomains(["b.test"])
    #expect(try signing.signatureFields(for: message) == nil)
    #expect(try signing.signatureFields(for: foreign) != nil)
  }
}
