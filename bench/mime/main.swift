// MIME benchmark: MB/s to parse a mix of messages and build their BODYSTRUCTURE (and
// ENVELOPE), as the store does at delivery. Built and run by run.sh beside it.
import Foundation

@main
enum MIMEBench {
  struct Workload {
    var name: String
    var messages: [[UInt8]]
    var bytes: Int { messages.reduce(0) { $0 + $1.count } }
  }

  static func main() {
    let args = CommandLine.arguments
    let corpusDir = args.count > 1 ? args[1] : "Tests/MIMETests/Corpus"
    let seconds = args.count > 2 ? Double(args[2]) ?? 2 : 2
    let workloads = [
      Workload(name: "corpus (hand-written test messages)", messages: corpus(corpusDir)),
      Workload(name: "typical (6 kB text+html alternative)", messages: [typical(), typical()]),
      Workload(name: "attachment (10 MB base64 pdf)", messages: [attachment(10 << 20)]),
      Workload(name: "many parts (2,000 small parts)", messages: [manyParts(2_000)]),
      Workload(name: "forward (nested message/rfc822, 5 levels)", messages: [forwards(5)]),
    ]
    var totalBytes = 0.0
    var totalTime = 0.0
    for w in workloads {
      let (mbps, bytes, time) = measure(w, seconds: seconds)
      totalBytes += bytes
      totalTime += time
      let label = w.name.padding(toLength: 45, withPad: " ", startingAt: 0)
      print(
        label
          + String(format: "%9.1f MB/s  (%d messages, %d bytes)", mbps, w.messages.count, w.bytes))
    }
    let label = "mix (all of the above, by bytes)".padding(
      toLength: 45, withPad: " ", startingAt: 0)
    print(label + String(format: "%9.1f MB/s", totalBytes / totalTime / 1e6))
  }

  /// Parses every message of `w` repeatedly for about `seconds`; returns MB/s.
  static func measure(_ w: Workload, seconds: Double) -> (Double, Double, Double) {
    let clock = ContinuousClock()
    var sink = 0
    // Warm up once.
    for m in w.messages { sink &+= work(m) }
    var rounds = 0
    let start = clock.now
    var elapsed = 0.0
    repeat {
      for m in w.messages { sink &+= work(m) }
      rounds += 1
      let d = clock.now - start
      elapsed = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    } while elapsed < seconds
    if sink == 42 { print("") }
    let bytes = Double(w.bytes * rounds)
    return (bytes / elapsed / 1e6, bytes, elapsed)
  }

  @inline(never)
  static func work(_ m: [UInt8]) -> Int {
    let s = MessageStructure.parse(m)
    return s.imapBodyStructure.count &+ s.imapEnvelope.count &+ s.imapBody.count
  }

  static func corpus(_ dir: String) -> [[UInt8]] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
    return names.filter { $0.hasSuffix(".eml") }.sorted().compactMap {
      FileManager.default.contents(atPath: dir + "/" + $0).map { Array($0) }
    }
  }

  static func header(_ subject: String, _ contentType: String) -> String {
    "Return-Path: <sender@example.org>\r\n"
      + "Received: from mx.example.org (mx.example.org [192.0.2.1]) by mail.example.net\r\n"
      + "\twith ESMTPS id 4AbC; Mon, 3 Feb 2025 10:00:00 +0000\r\n"
      + "DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=s1; h=from:to:subject:date;\r\n"
      + "\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=abcdefghijklmnop\r\n"
      + "From: \"Sender Name\" <sender@example.org>\r\nTo: Alice <alice@example.net>, bob@example.net\r\n"
      + "Cc: =?utf-8?q?J=C3=B6rg?= <joerg@example.de>\r\nSubject: \(subject)\r\n"
      + "Date: Mon, 3 Feb 2025 09:59:55 +0100\r\nMessage-ID: <\(subject.hashValue)@example.org>\r\n"
      + "MIME-Version: 1.0\r\nContent-Type: \(contentType)\r\n\r\n"
  }

  static func typical() -> [UInt8] {
    var m = header("Weekly newsletter", "multipart/alternative; boundary=\"b1\"")
    m +=
      "--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
    for i in 0..<40 {
      m += "Paragraph \(i): some news about the project and caf=C3=A9 updates.\r\n"
    }
    m +=
      "--b1\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
    for i in 0..<40 { m += "<p>Paragraph \(i): some <b>news</b> about the project.</p>\r\n" }
    m += "--b1--\r\n"
    return Array(m.utf8)
  }

  static func attachment(_ size: Int) -> [UInt8] {
    var m = Array(header("Contract", "multipart/mixed; boundary=\"b2\"").utf8)
    m += Array("--b2\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--b2\r\n".utf8)
    m += Array(
      "Content-Type: application/pdf; name=\"c.pdf\"\r\nContent-Transfer-Encoding: base64\r\n".utf8)
    m += Array("Content-Disposition: attachment; filename=\"c.pdf\"\r\n\r\n".utf8)
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var line = [UInt8]()
    var seed: UInt32 = 1
    while m.count < size {
      line.removeAll(keepingCapacity: true)
      for _ in 0..<76 {
        seed = seed &* 1_103_515_245 &+ 12_345
        line.append(alphabet[Int(seed >> 16) % 64])
      }
      m += line
      m += [13, 10]
    }
    m += Array("--b2--\r\n".utf8)
    return m
  }

  static func manyParts(_ n: Int) -> [UInt8] {
    var m = header("Parts", "multipart/mixed; boundary=\"b3\"")
    for i in 0..<n {
      m +=
        "--b3\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-ID: <p\(i)@x>\r\n\r\npart \(i)\r\n"
    }
    m += "--b3--\r\n"
    return Array(m.utf8)
  }

  static func forwards(_ depth: Int) -> [UInt8] {
    var inner =
      header("Original", "text/plain; charset=utf-8")
      + String(repeating: "Original text line.\r\n", count: 50)
    for k in 0..<depth {
      inner =
        header("Fwd \(k)", "multipart/mixed; boundary=\"f\(k)\"")
        + "--f\(k)\r\nContent-Type: text/plain\r\n\r\nForwarding.\r\n--f\(k)\r\nContent-Type: message/rfc822\r\n\r\n"
        + inner + "\r\n--f\(k)--\r\n"
    }
    return Array(inner.utf8)
  }
}
