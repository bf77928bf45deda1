import Crypto
import Foundation

/// The key the authenticator derives stable fake SCRAM salts and cache keys
/// from. Kept in `data_dir` so that it survives restarts: a key that changed on
/// every restart would make unknown accounts' salts change while real ones stay,
/// telling an attacker which accounts exist.
enum AuthSecret {
  static func loadOrCreate(dataDir: String) throws -> [UInt8] {
    let path = dataDir + "/auth.secret"
    if let data = FileManager.default.contents(atPath: path), data.count == 32 {
      return Array(data)
    }
    let secret = try SecureRandom.bytes(32)
    let tmp = path + ".tmp"
    guard
      FileManager.default.createFile(
        atPath: tmp, contents: Data(secret), attributes: [.posixPermissions: 0o600])
    else {
      throw CLIError(.cantCreate, "cannot write \(tmp)")
    }
    // rename is atomic: a crash never leaves a short secret behind.
    guard rename(tmp, path) == 0 else {
      throw CLIError(.cantCreate, "cannot rename \(tmp) to \(path)")
    }
    return secret
  }
}
