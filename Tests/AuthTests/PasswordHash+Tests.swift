import Crypto
import Foundation
import Testing

@testable import Auth

@Suite struct PasswordHashTests {
  @Test func deriveEncodeDecodeVerify() throws {
    let parameters = try KDFParameters.random(iterations: 100)
    let hash = try PasswordHash.derive(password: "correct horse", parameters: parameters)
    #expect(hash.parameters.salt.count == KDFParameters.saltLength)
    #expect(hash.encoded.hasPrefix("SCRAM-SHA-256$100:"))

    let decoded = try PasswordHash(encoded: hash.encoded)
    #expect(decoded == hash)
    let right = try PasswordHash.saltedPassword(Array("correct horse".utf8), parameters)
    let wrong = try PasswordHash.saltedPassword(Array("correct horsf".utf8), parameters)
    #expect(decoded.matches(saltedPassword: right))
    #expect(!decoded.matches(saltedPassword: wrong))
  }

  @Test func freshSaltsDiffer() throws {
    let a = try PasswordHash.derive(password: "same", parameters: .random(iterations: 10))
    let b = try PasswordHash.derive(password: "same", parameters: .random(iterations: 10))
    #expect(a.parameters.salt != b.parameters.salt)
    #expect(a.storedKey != b.storedKey)
  }

  // RFC 7677 §3: user "user", password "pencil", this salt, 4096 iterations. The stored
  // keys follow from its SaltedPassword; the proof test below checks them end to end.
  @Test func rfc7677Keys() throws {
    let parameters = try KDFParameters(
      salt: Base64.decode("W22ZaJ0SNY7soEsUEjb6gQ=="), iterations: 4096)
    let hash = try PasswordHash.derive(password: "pencil", parameters: parameters)
    let salted = try PBKDF2.sha256(
      password: Array("pencil".utf8), salt: parameters.salt, iterations: 4096)
    #expect(hash.storedKey == SHA256.hash(HMAC.sha256(key: salted, data: "Client Key".utf8)))
    #expect(hash.serverKey == HMAC.sha256(key: salted, data: "Server Key".utf8))
    #expect(hash.encoded.hasPrefix("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$"))
  }

  @Test(arguments: [
    "",
    "SCRAM-SHA-1$4096:W22ZaJ0SNY7soEsUEjb6gQ==$AAAA:AAAA",
    "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==",
    "SCRAM-SHA-256$0:W22ZaJ0SNY7soEsUEjb6gQ==$\(String(repeating: "A", count: 43))=:\(String(repeating: "A", count: 43))=",
    "SCRAM-SHA-256$-5:W22ZaJ0SNY7soEsUEjb6gQ==$\(String(repeating: "A", count: 43))=:\(String(repeating: "A", count: 43))=",
    "SCRAM-SHA-256$4096:$\(String(repeating: "A", count: 43))=:\(String(repeating: "A", count: 43))=",
    "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$AAAA:\(String(repeating: "A", count: 43))=",
    "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6g!==$\(String(repeating: "A", count: 43))=:\(String(repeating: "A", count: 43))=",
    "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$\(String(repeating: "A", count: 43))=:\(String(repeating: "A", count: 43))=$x",
  ])
  func rejectsBadEncodings(_ text: String) {
    #expect(throws: AuthError.self) { try PasswordHash(encoded: text) }
  }

  @Test func acceptsItsOwnEncodingOfAValidHash() throws {
    let key = String(repeating: "A", count: 43) + "="
    let hash = try PasswordHash(
      encoded: "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$\(key):\(key)")
    #expect(hash.parameters.iterations == 4096)
    #expect(hash.storedKey == [UInt8](repeating: 0, count: 32))
  }

  @Test func saslprepMapsAndNormalises() {
    // ASCII is unchanged; a no-break space is a space; NFKC folds the "fi" ligature;
    // a soft hyphen disappears (RFC 4013 §3 examples: "I<U+00AD>X" → "IX").
    #expect(SASLprep.prepare(Array("pencil".utf8)) == Array("pencil".utf8))
    #expect(SASLprep.prepare(Array("a\u{00A0}b".utf8)) == Array("a b".utf8))
    #expect(SASLprep.prepare(Array("\u{FB01}x".utf8)) == Array("fix".utf8))
    #expect(SASLprep.prepare(Array("I\u{00AD}X".utf8)) == Array("IX".utf8))
    // Prohibited output or bad UTF-8: the raw bytes, so the password still works.
    #expect(SASLprep.prepare(Array("é\u{0007}".utf8)) == Array("é\u{0007}".utf8))
    #expect(SASLprep.prepare([0xC3, 0x28]) == [0xC3, 0x28])
  }
}

@Suite struct PasswordHasherTests {
  @Test func derivesOnDedicatedThreads() async throws {
    let hasher = PasswordHasher(iterations: 10, threads: 2)
    defer { hasher.shutdown() }
    #expect(!hasher.isHashingThread())
    let onPool = try await withThrowingTaskGroup(of: Bool.self) { group in
      for _ in 0..<6 {
        group.addTask { try await hasher.runOnPool { hasher.isHashingThread() } }
      }
      return try await group.reduce(into: [Bool]()) { $0.append($1) }
    }
    #expect(onPool == Array(repeating: true, count: 6))
  }

  @Test func appPasswordsShareTheAccountParameters() async throws {
    let hasher = PasswordHasher(iterations: 20)
    defer { hasher.shutdown() }
    let account = try await hasher.hash(newPassword: "account")
    let app = try await hasher.hash(appPassword: "app-secret", sharingWith: account)
    #expect(app.parameters == account.parameters)
    #expect(app.storedKey != account.storedKey)

    // A password change keeps the parameters while the count is current...
    let changed = try await hasher.hash(changedPassword: "new", replacing: account)
    #expect(changed.parameters == account.parameters)
    // ...and takes fresh ones when the configured count went up.
    let stronger = PasswordHasher(iterations: 40)
    defer { stronger.shutdown() }
    let raised = try await stronger.hash(changedPassword: "new", replacing: account)
    #expect(raised.parameters.iterations == 40)
    #expect(raised.parameters.salt != account.parameters.salt)
  }

  @Test func stoppedHasherRefuses() async throws {
    let hasher = PasswordHasher(iterations: 10, threads: 1)
    hasher.shutdown()
    await #expect(throws: AuthError.kdfStopped) { try await hasher.hash(newPassword: "x") }
  }

  @Test func fullQueueFailsFast() async throws {
    let hasher = PasswordHasher(iterations: 10, threads: 1, maxQueued: 1)
    defer { hasher.shutdown() }
    let started = DispatchSemaphore(value: 0)
    let release = DispatchSemaphore(value: 0)
    let running = Task {
      try await hasher.runOnPool {
        started.signal()
        release.wait()
      }
    }
    await withCheckedContinuation { c in
      DispatchQueue.global().async {
        started.wait()
        c.resume()
      }
    }
    // The one thread is busy and one job may wait: of two more, one waits and the other
    // is refused at once, so the first to finish is the refused one.
    let results = await withTaskGroup(of: Result<Int, AuthError>.self) { group in
      for _ in 0..<2 {
        group.addTask {
          do throws(AuthError) {
            return .success(try await hasher.runOnPool { () throws(AuthError) in 1 })
          } catch {
            return .failure(error)
          }
        }
      }
      let first = await group.next()!
      release.signal()
      let second = await group.next()!
      return [first, second]
    }
    #expect(results == [.failure(.kdfOverloaded(queued: 1)), .success(1)])
    try await running.value
  }
}
