import Crypto
import DKIM
import Dispatch
import Foundation
import Synchronization
import Testing

@Suite struct DKIMKeyStoreTests {
  func store(_ dir: TemporaryDirectory, at date: Date = fixedDate) -> DKIMKeyStore {
    DKIMKeyStore(dataDirectory: dir.path, now: { date })
  }

  func files(_ dir: TemporaryDirectory, _ domain: String) -> [String] {
    (try? FileManager.default.contentsOfDirectory(atPath: dir.appending("dkim/\(domain)")))?
      .sorted() ?? []
  }

  @Test func createsOnceWithDatedSelectorAndPrivateModes() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let s = store(dir)
    #expect(try s.keys(for: "example.com") == nil)
    let set = try s.ensureKeys(for: "example.com")
    #expect(set.selector == "posta20261127a")
    #expect(set.domain == "example.com")
    #expect(set.rsa.privateKey.type == .rsa && set.rsa.privateKey.bits == 2048)
    #expect(set.ed25519 == nil)
    #expect(files(dir, "example.com") == ["active", "posta20261127a.pem"])
    #expect(permissions(dir.appending("dkim")) == 0o700)
    #expect(permissions(dir.appending("dkim/example.com")) == 0o700)
    #expect(permissions(dir.appending("dkim/example.com/posta20261127a.pem")) == 0o600)
    #expect(permissions(dir.appending("dkim/example.com/active")) == 0o600)
    let active = try String(
      contentsOfFile: dir.appending("dkim/example.com/active"), encoding: .utf8)
    #expect(active.contains("selector=posta20261127a\n"))

    // Again, even on another day: the same key, nothing new on disk.
    let again = try store(dir, at: fixedDate + 86_400).ensureKeys(for: "EXAMPLE.com.")
    #expect(again.selector == set.selector)
    #expect(again.rsa.publicKey.der == set.rsa.publicKey.der)
    #expect(try s.keys(for: "example.com")?.rsa.publicKey.der == set.rsa.publicKey.der)
    #expect(files(dir, "example.com") == ["active", "posta20261127a.pem"])
    #expect(try s.domains() == ["example.com"])
  }

  /// Two tasks creating the same domain's key at once end with one key between them.
  @Test func twoConcurrentTasksMakeOneKey() async throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let s = store(dir)
    let results = try await withThrowingTaskGroup(of: [UInt8].self) { group in
      for _ in 0..<2 {
        group.addTask {
          try s.ensureKeys(for: "example.com", ed25519: true).keys.flatMap(\.publicKey.der)
        }
      }
      return try await group.reduce(into: [[UInt8]]()) { $0.append($1) }
    }
    #expect(results.count == 2 && results[0] == results[1])
    #expect(
      files(dir, "example.com") == ["active", "posta20261127a-ed25519.pem", "posta20261127a.pem"])
  }

  /// Many threads at once (as separate processes would): still one key, no temp files left.
  @Test func manyConcurrentCreatorsMakeOneKey() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let results = Results()
    DispatchQueue.concurrentPerform(iterations: 6) { _ in
      // Each its own store value, as each process would have.
      let s = DKIMKeyStore(dataDirectory: dir.path, now: { fixedDate })
      results.add(try? s.ensureKeys(for: "example.com").rsa.publicKey.der)
    }
    let all = results.values
    #expect(all.count == 6)
    #expect(all.allSatisfy { $0 != nil && $0 == all[0] })
    #expect(files(dir, "example.com") == ["active", "posta20261127a.pem"])
  }

  /// A process that finds a key file already linked (another process won the race but has
  /// not written `active` yet) adopts that key instead of making its own.
  @Test func loserAdoptsTheWinnersKeyFile() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let winner = try PrivateKey.generateRSA()
    try FileManager.default.createDirectory(
      atPath: dir.appending("dkim/example.com"), withIntermediateDirectories: true)
    try winner.pem().write(
      toFile: dir.appending("dkim/example.com/posta20261127a.pem"), atomically: true,
      encoding: .utf8)
    let set = try store(dir).ensureKeys(for: "example.com")
    #expect(set.selector == "posta20261127a")
    #expect(set.rsa.publicKey.der == winner.publicKey.der)
    #expect(files(dir, "example.com") == ["active", "posta20261127a.pem"])
  }

  @Test func rotationNamesAndKeepsOldKeys() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let s = store(dir)
    let first = try s.ensureKeys(for: "example.com", ed25519: true)
    #expect(first.selector == "posta20261127a")
    #expect(first.ed25519?.selector == "posta20261127a-ed25519")
    let second = try s.rotate("example.com")
    #expect(second.selector == "posta20261127b")
    #expect(second.ed25519 == nil)
    #expect(second.rsa.publicKey.der != first.rsa.publicKey.der)
    let third = try s.rotate("example.com", ed25519: true)
    #expect(third.selector == "posta20261127c")
    #expect(third.ed25519?.selector == "posta20261127c-ed25519")
    let nextDay = try store(dir, at: fixedDate + 86_400).rotate("example.com")
    #expect(nextDay.selector == "posta20261128a")
    #expect(try s.ensureKeys(for: "example.com").selector == "posta20261128a")

    #expect(
      try s.storedKeys(for: "example.com").map(\.selector) == [
        "posta20261127a", "posta20261127a-ed25519", "posta20261127b", "posta20261127c",
        "posta20261127c-ed25519", "posta20261128a",
      ])
    #expect(throws: DKIMError.selectorInUse(domain: "example.com", selector: "posta20261128a")) {
      try s.removeKey(domain: "example.com", selector: "posta20261128a")
    }
    try s.removeKey(domain: "example.com", selector: "posta20261127a")
    try s.removeKey(domain: "example.com", selector: "posta20261127a-ed25519")
    #expect(throws: DKIMError.unknownSelector(domain: "example.com", selector: "posta20261127a")) {
      try s.removeKey(domain: "example.com", selector: "posta20261127a")
    }
    #expect(try s.storedKeys(for: "example.com").count == 4)
  }

  @Test func counterGoesPastZ() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    // Pretend a..z are taken today.
    let domainDir = dir.appending("dkim/example.com")
    try FileManager.default.createDirectory(atPath: domainDir, withIntermediateDirectories: true)
    let pem = try TestKeys.rsa.pem()
    for letter in "abcdefghijklmnopqrstuvwxyz" {
      try pem.write(
        toFile: "\(domainDir)/posta20261127\(letter).pem", atomically: true, encoding: .utf8)
    }
    let s = store(dir)
    #expect(try s.ensureKeys(for: "example.com").selector == "posta20261127a")
    #expect(try s.rotate("example.com").selector == "posta20261127aa")
  }

  @Test func ed25519IsAddedToAnExistingSet() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let s = store(dir)
    let rsaOnly = try s.ensureKeys(for: "example.org")
    let both = try s.ensureKeys(for: "example.org", ed25519: true)
    #expect(both.rsa.publicKey.der == rsaOnly.rsa.publicKey.der)
    #expect(both.ed25519?.privateKey.type == .ed25519)
    // Loading without asking keeps what is on disk.
    #expect(
      try s.ensureKeys(for: "example.org").ed25519?.publicKey.der == both.ed25519?.publicKey.der)
    #expect(permissions(dir.appending("dkim/example.org/posta20261127a-ed25519.pem")) == 0o600)
  }

  @Test func configuredSelectorAndValidation() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let s = store(dir)
    #expect(try s.ensureKeys(for: "example.net", selector: "mail").selector == "mail")
    // Once the domain has keys, the configured name does not replace them.
    #expect(try s.ensureKeys(for: "example.net", selector: "other").selector == "mail")
    #expect(throws: DKIMError.invalidSelector("Mail")) {
      try s.ensureKeys(for: "example.edu", selector: "Mail")
    }
    #expect(throws: DKIMError.invalidDomain("../etc")) { try s.ensureKeys(for: "../etc") }
    #expect(throws: DKIMError.invalidDomain("localhost")) { try s.ensureKeys(for: "localhost") }
  }

  @Test func damagedStoreIsReportedWithThePath() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let s = store(dir)
    _ = try s.ensureKeys(for: "example.com")
    let active = dir.appending("dkim/example.com/active")
    try "nonsense\n".write(toFile: active, atomically: true, encoding: .utf8)
    #expect(throws: DKIMError.malformedStore(path: active, reason: "no selector= line")) {
      try s.keys(for: "example.com")
    }
    try "selector=gone\n".write(toFile: active, atomically: true, encoding: .utf8)
    #expect(
      throws: DKIMError.malformedStore(
        path: dir.appending("dkim/example.com/gone.pem"), reason: "the key file is missing")
    ) { try s.keys(for: "example.com") }
  }

  @Test func storedKeysSignAndVerify() throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let set = try store(dir).ensureKeys(for: "example.com", ed25519: true)
    let signer = try DKIMSigner(keySet: set, now: { fixedDate })
    let message = try signer.sign(sampleMessage) + sampleMessage
    var records: [String: String] = [:]
    for key in set.keys {
      records["\(key.selector)._domainkey.example.com"] = DKIMRecords.txtData(for: key.publicKey)
    }
    #expect(TestVerifier(records: records).verify(message) == [.pass, .pass])
    let rsaOnly = try DKIMSigner(keySet: set, ed25519: false, now: { fixedDate })
    #expect(try rsaOnly.signatureFields(for: sampleMessage).count == 1)
  }
}

/// Collects results from concurrent threads.
final class Results: Sendable {
  private let stored = Mutex<[[UInt8]?]>([])

  func add(_ value: [UInt8]?) { stored.withLock { $0.append(value) } }

  var values: [[UInt8]?] { stored.withLock { $0 } }
}
