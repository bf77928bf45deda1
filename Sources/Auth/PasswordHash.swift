import Crypto

/// The salt and iteration count of a PBKDF2-HMAC-SHA-256 derivation.
///
/// One account has one set: its password and all its app passwords are derived with the
/// same parameters, because SCRAM-SHA-256 sends the salt and count in its first
/// challenge, before the server can know which of the account's passwords the client
/// holds (RFC 5802 §5).
public struct KDFParameters: Sendable, Hashable {
  /// Random salt (16 bytes when generated here).
  public let salt: [UInt8]
  /// PBKDF2 iteration count (SCRAM's `i=`).
  public let iterations: Int

  /// Salt length for new parameters: 128 bits, as RFC 8018 §4.1 recommends at least 64.
  public static let saltLength = 16

  /// Parameters with a given salt and count (test vectors, stored hashes).
  public init(salt: [UInt8], iterations: Int) throws(AuthError) {
    guard iterations >= 1, iterations <= Int(Int32.max) else {
      throw .invalidParameter(
        "iteration count must be between 1 and \(Int32.max), got \(iterations)")
    }
    guard !salt.isEmpty, salt.count <= 1024 else {
      throw .invalidParameter("salt must be 1 to 1024 bytes, got \(salt.count)")
    }
    self.salt = salt
    self.iterations = iterations
  }

  /// Parameters known to be in range (made-up SCRAM salts).
  init(unchecked salt: [UInt8], iterations: Int) {
    self.salt = salt
    self.iterations = iterations
  }

  /// New parameters with a fresh random salt.
  public static func random(iterations: Int) throws(AuthError) -> KDFParameters {
    let salt: [UInt8]
    do {
      salt = try SecureRandom.bytes(saltLength)
    } catch {
      throw .crypto(error)
    }
    return try KDFParameters(salt: salt, iterations: iterations)
  }
}

/// A stored password: SCRAM-SHA-256's StoredKey and ServerKey (RFC 5802 §3) with the
/// parameters that produced the SaltedPassword.
///
/// SaltedPassword = PBKDF2-HMAC-SHA-256(prepared password, salt, iterations). Keeping
/// StoredKey = SHA-256(HMAC(SaltedPassword, "Client Key")) and ServerKey =
/// HMAC(SaltedPassword, "Server Key") instead of SaltedPassword means the database alone
/// does not let anyone impersonate a user to another SCRAM server (RFC 5802 §9), and a
/// plaintext password is checked by deriving SaltedPassword again and comparing StoredKey.
public struct PasswordHash: Sendable, Hashable {
  /// Salt and iteration count.
  public let parameters: KDFParameters
  /// SHA-256(ClientKey), 32 bytes.
  public let storedKey: [UInt8]
  /// HMAC(SaltedPassword, "Server Key"), 32 bytes.
  public let serverKey: [UInt8]

  private static let scheme = "SCRAM-SHA-256"

  /// A hash from its parts; the keys must be 32 bytes each.
  public init(parameters: KDFParameters, storedKey: [UInt8], serverKey: [UInt8]) throws(AuthError) {
    guard storedKey.count == SHA256.digestLength, serverKey.count == SHA256.digestLength else {
      throw .invalidPasswordHash("StoredKey and ServerKey must be 32 bytes each")
    }
    self.parameters = parameters
    self.storedKey = storedKey
    self.serverKey = serverKey
  }

  init(parameters: KDFParameters, saltedPassword: [UInt8]) {
    self.parameters = parameters
    self.storedKey = SCRAMKeys.storedKey(saltedPassword: saltedPassword)
    self.serverKey = SCRAMKeys.serverKey(saltedPassword: saltedPassword)
  }

  /// Derives the hash of `password` with `parameters`, on the calling thread.
  ///
  /// Costs `parameters.iterations` HMACs (about 0.1 s at the default count): the server
  /// calls this through `PasswordHasher`, never on the async threads; a command-line tool
  /// may call it directly. The password is prepared with SASLprep first (`SASLprep`).
  public static func derive(
    password: String, parameters: KDFParameters
  ) throws(AuthError) -> PasswordHash {
    let salted = try saltedPassword(SASLprep.prepare(Array(password.utf8)), parameters)
    return PasswordHash(parameters: parameters, saltedPassword: salted)
  }

  /// SaltedPassword for already-prepared password bytes.
  static func saltedPassword(
    _ prepared: [UInt8], _ parameters: KDFParameters
  ) throws(AuthError) -> [UInt8] {
    do {
      return try PBKDF2.sha256(
        password: prepared, salt: parameters.salt, iterations: parameters.iterations)
    } catch {
      throw .crypto(error)
    }
  }

  /// Whether `saltedPassword` (derived with this hash's parameters) is the stored password.
  /// Constant time in the key bytes.
  func matches(saltedPassword: [UInt8]) -> Bool {
    constantTimeEquals(SCRAMKeys.storedKey(saltedPassword: saltedPassword), storedKey)
  }

  /// The stored form, as RFC 5803 writes SCRAM verifiers:
  /// `SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>`.
  public var encoded: String {
    "\(Self.scheme)$\(parameters.iterations):\(Base64.encode(parameters.salt))"
      + "$\(Base64.encode(storedKey)):\(Base64.encode(serverKey))"
  }

  /// Parses the stored form written by `encoded`, strictly.
  public init(encoded: String) throws(AuthError) {
    let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0] == Self.scheme else {
      throw .invalidPasswordHash("expected \(Self.scheme)$iterations:salt$storedKey:serverKey")
    }
    let kdf = parts[1].split(separator: ":", omittingEmptySubsequences: false)
    let keys = parts[2].split(separator: ":", omittingEmptySubsequences: false)
    guard kdf.count == 2, keys.count == 2 else {
      throw .invalidPasswordHash("expected two ':'-separated fields on each side of '$'")
    }
    guard kdf[0].count <= 10, kdf[0].allSatisfy({ $0.isASCII && $0.isNumber }),
      let iterations = Int(kdf[0])
    else {
      throw .invalidPasswordHash("iteration count is not a decimal number")
    }
    let salt: [UInt8]
    let storedKey: [UInt8]
    let serverKey: [UInt8]
    do {
      salt = try Base64.decode(kdf[1])
      storedKey = try Base64.decode(keys[0])
      serverKey = try Base64.decode(keys[1])
    } catch {
      throw .invalidPasswordHash("\(error)")
    }
    let parameters: KDFParameters
    do {
      parameters = try KDFParameters(salt: salt, iterations: iterations)
    } catch {
      throw .invalidPasswordHash("\(error)")
    }
    try self.init(parameters: parameters, storedKey: storedKey, serverKey: serverKey)
  }
}

/// The key schedule of RFC 5802 §3 for SHA-256.
enum SCRAMKeys {
  static func clientKey(saltedPassword: [UInt8]) -> [UInt8] {
    HMAC.sha256(key: saltedPassword, data: "Client Key".utf8)
  }

  static func storedKey(saltedPassword: [UInt8]) -> [UInt8] {
    SHA256.hash(clientKey(saltedPassword: saltedPassword))
  }

  static func serverKey(saltedPassword: [UInt8]) -> [UInt8] {
    HMAC.sha256(key: saltedPassword, data: "Server Key".utf8)
  }
}
