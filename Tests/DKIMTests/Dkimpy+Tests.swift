import Crypto
import DKIM
import Foundation
import Testing

/// Checks signatures with an independent verifier: PyPI's dkimpy (`python3 -m pip install
/// dkimpy`, plus `pynacl` for Ed25519). Keys reach it through its `dnsfunc` argument, so no
/// DNS query is made. Skipped, with the reason printed, where a module is missing.
@Suite struct DkimpyTests {
  static let python = ["/usr/bin/env", "python3"]

  /// Verifies every DKIM-Signature of the message in argv[1]; keys come as JSON in argv[2]
  /// (owner name → TXT data). Prints one line per signature and exits 0 if all verified.
  static let script = """
    import json, sys
    import dkim
    message = open(sys.argv[1], 'rb').read()
    records = json.loads(sys.argv[2])
    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode()
        value = records.get(name.rstrip('.'))
        return value.encode() if value is not None else None
    d = dkim.DKIM(message)
    count = sum(1 for n, _ in d.headers if n.lower() == b'dkim-signature')
    ok = count > 0
    for i in range(count):
        result = d.verify(idx=i, dnsfunc=dnsfunc)
        print('signature %d: %s' % (i, 'pass' if result else 'fail'))
        ok = ok and result
    sys.exit(0 if ok else 1)
    """

  /// Why dkimpy cannot run here, or nil when it can (with Ed25519 support when `ed25519`).
  static func unavailableReason(ed25519: Bool) -> String? {
    let modules = ed25519 ? "import dkim, nacl" : "import dkim"
    guard let r = try? run(["-c", modules]) else { return "python3 is not installed" }
    if r.status != 0 {
      return "dkimpy\(ed25519 ? " or pynacl" : "") is not installed "
        + "(python3 -m pip install dkimpy pynacl)"
    }
    return nil
  }

  static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python[0])
    process.arguments = Array(python.dropFirst()) + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }

  func verifyWithDkimpy(_ message: [UInt8], records: [String: String]) throws -> (
    status: Int32, output: String
  ) {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.appending("message.eml")
    try Data(message).write(to: URL(fileURLWithPath: path))
    let json = String(
      decoding: try JSONSerialization.data(withJSONObject: records, options: [.sortedKeys]),
      as: UTF8.self)
    return try Self.run(["-c", Self.script, path, json])
  }

  /// Whether dkimpy (and, with `ed25519`, pynacl) can run; prints why not, once per test.
  static func available(ed25519: Bool) -> Bool {
    guard let reason = unavailableReason(ed25519: ed25519) else { return true }
    print("DkimpyTests skipped: \(reason)")
    return false
  }

  @Test(
    .enabled("needs python3 with dkimpy") { DkimpyTests.available(ed25519: false) },
    arguments: DKIMCanonicalization.allCases)
  func dkimpyVerifiesRSA(canonicalization: DKIMCanonicalization) throws {
    try checkWithDkimpy([.rsa], canonicalization)
  }

  @Test(
    .enabled("needs python3 with dkimpy and pynacl") { DkimpyTests.available(ed25519: true) },
    arguments: DKIMCanonicalization.allCases)
  func dkimpyVerifiesRSAAndEd25519(canonicalization: DKIMCanonicalization) throws {
    try checkWithDkimpy([.ed25519], canonicalization)
    try checkWithDkimpy([.rsa, .ed25519], canonicalization)
  }

  func checkWithDkimpy(_ types: [KeyType], _ canonicalization: DKIMCanonicalization) throws {
    // The real clock: dkimpy refuses a t= in the future.
    var s = try DKIMSigner(domain: "example.com", keys: TestKeys.keys(types))
    s.headerCanonicalization = canonicalization
    s.bodyCanonicalization = canonicalization
    let message = try signed(sampleMessage, with: s)
    let result = try verifyWithDkimpy(message, records: TestKeys.records)
    #expect(result.status == 0, "\(result.output)")
    #expect(result.output.components(separatedBy: "pass").count - 1 == types.count)

    // And dkimpy notices a changed body: the check can fail.
    var tampered = message
    tampered.replaceSubrange(tampered.firstRange(of: Array("noon".utf8))!, with: Array("nine".utf8))
    let bad = try verifyWithDkimpy(tampered, records: TestKeys.records)
    #expect(bad.status != 0, "\(bad.output)")
  }

  /// The key as `posta dns` prints it (TXT strings joined) is what dkimpy verifies against.
  @Test(.enabled("needs python3 with dkimpy") { DkimpyTests.available(ed25519: false) })
  func dkimpyVerifiesAgainstThePrintedRecord() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let set = try DKIMKeyStore(dataDirectory: dir.path).ensureKeys(for: "example.com")
    let line = DKIMRecords.dnsRecords(domain: "example.com", keys: set.keys)[0]
    let name = String(line.prefix { $0 != " " }.dropLast())
    let strings = line.split(separator: "\"").enumerated().filter { $0.offset % 2 == 1 }
      .map { String($0.element) }
    let message = try DKIMSigner(keySet: set).sign(sampleMessage) + sampleMessage
    let result = try verifyWithDkimpy(message, records: [name: strings.joined()])
    #expect(result.status == 0, "\(result.output)")
  }
}
