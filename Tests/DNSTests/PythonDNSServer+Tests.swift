import Foundation
import Net
import Testing

@testable import DNS

/// Runs Tests/e2e/dnsserver.py (the end-to-end tests' DNS server) and
/// resolves through it, so the Python server and this resolver agree.
@Suite(.timeLimit(.minutes(1))) struct PythonDNSServerTests {
  static let script = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("e2e/dnsserver.py")

  static func python() -> String? {
    let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
      .split(separator: ":")
    for dir in paths {
      let candidate = "\(dir)/python3"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }

  static let zone = """
    {
      "ttl": 120,
      "records": {
        "example.test": {"MX": [[10, "mx.example.test"], [5, "mx0.example.test"]],
                         "TXT": ["v=spf1 mx -all", ["two ", "strings"]]},
        "mx.example.test": {"A": ["127.0.0.2"], "AAAA": ["::1"]},
        "nomail.test": {"MX": [[0, "."]]},
        "www.example.test": {"CNAME": "mx.example.test"},
        "big.example.test": {"TXT": ["%BIG%"]},
        "2.0.0.127.in-addr.arpa": {"PTR": ["mx.example.test"]}
      },
      "truncate": ["truncated.example.test"],
      "servfail": ["broken.test"]
    }
    """.replacingOccurrences(of: "%BIG%", with: String(repeating: "b", count: 3000))

  @Test func resolvesThroughDnsserverPy() async throws {
    guard let python = Self.python() else {
      print("skipping dnsserver.py test: python3 is not on PATH")
      return
    }
    let dir = FileManager.default.temporaryDirectory
      .appendingPathComponent("posta-dns-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let zoneFile = dir.appendingPathComponent("zone.json")
    try Self.zone.write(to: zoneFile, atomically: true, encoding: .utf8)
    let portFile = dir.appendingPathComponent("port")

    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = [
      Self.script.path, "--listen", "127.0.0.1:0", "--zone", zoneFile.path,
      "--truncate", "big.example.test", "--port-file", portFile.path, "--exit-on-stdin-eof",
    ]
    let stdin = Pipe()
    process.standardInput = stdin
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let outcome: Result<Void, any Error>
    do {
      try await Self.exercise(process, portFile)
      outcome = .success(())
    } catch {
      outcome = .failure(error)
    }
    await Self.stop(process, stdin)
    try outcome.get()
  }

  /// Ends the server: closing its stdin suffices; SIGTERM, then SIGKILL
  /// after a few seconds, in case it does not.
  static func stop(_ process: Process, _ stdin: Pipe) async {
    try? stdin.fileHandleForWriting.close()
    process.terminate()
    for _ in 0..<250 where process.isRunning {
      try? await Task.sleep(for: .milliseconds(20))
    }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
  }

  static func exercise(_ process: Process, _ portFile: URL) async throws {
    var port: UInt16?
    for _ in 0..<500 where port == nil {
      if let text = try? String(contentsOf: portFile, encoding: .utf8) {
        port = UInt16(text.trimmingCharacters(in: .whitespacesAndNewlines))
      } else {
        guard process.isRunning else { break }
        try await Task.sleep(for: .milliseconds(20))
      }
    }
    let bound = try #require(port, "dnsserver.py did not report its port")

    let reactor = try Reactor()
    defer { reactor.shutdown() }
    let address = try SocketAddress(host: "127.0.0.1", port: bound)
    let resolver = socketResolver(reactor, [address], timeout: .seconds(5))

    let mx = try await resolver.mx("example.test")
    #expect(
      mx
        == .records([
          MX(preference: 5, host: "mx0.example.test"), MX(preference: 10, host: "mx.example.test"),
        ]))
    let nullMX = try await resolver.mx("nomail.test")
    #expect(nullMX == .nullMX)
    let missing = try await resolver.mx("nowhere.test")
    #expect(missing == .nxdomain)
    let implicit = try await resolver.mx("mx.example.test")
    #expect(implicit == .noRecords)
    let addresses = try await resolver.addresses("www.example.test")
    #expect(addresses == [ip("127.0.0.2"), ip("::1")])
    let txt = try await resolver.txt("example.test")
    #expect(Set(txt.map(\.text)) == ["v=spf1 mx -all", "two strings"])
    let big = try await resolver.txt("big.example.test")
    #expect(big.first?.joined.count == 3000)
    let ptr = try await resolver.ptr(ip("127.0.0.2"))
    #expect(ptr == ["mx.example.test"])
    await #expect {
      _ = try await resolver.a("x.broken.test")
    } throws: { error in
      guard let e = error as? DNSError, case .serverFailure = e else { return false }
      return e.isTemporary
    }
  }
}
