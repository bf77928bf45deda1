/// The fuzz entry point for the codec. The libFuzzer harness in Tests/Fuzz/DNS
/// and the seed-replay test both call `check`, which feeds the input to every
/// decoder and returns the invariants it saw broken (empty when all hold).
/// A crash or trap is a finding too.
public enum DNSFuzz {
  /// Decodes `data` as a message and checks: the header-and-question decoder
  /// agrees; what decodes re-encodes (with and without compression) to bytes
  /// that decode to the same message, the compressed form never longer; and
  /// `data` read as presentation text either fails or names a name whose text
  /// form parses back to the same labels.
  public static func check(_ data: [UInt8]) -> [String] {
    var problems: [String] = []
    checkMessage(data, &problems)
    checkText(data, &problems)
    return problems
  }

  private static func checkMessage(_ data: [UInt8], _ problems: inout [String]) {
    let message: DNSMessage
    do {
      message = try DNSMessage.decode(data)
    } catch {
      if error.description.isEmpty { problems.append("empty error text for \(error)") }
      return
    }
    do {
      let (header, questions) = try DNSMessage.decodeHeaderAndQuestions(data)
      if header != message.header || questions != message.questions {
        problems.append("header/question decoder disagrees with the full decoder")
      }
    } catch {
      problems.append("header/question decoder failed where decode succeeded: \(error)")
    }
    var sizes: [Int] = []
    for compress in [true, false] {
      let encoded: [UInt8]
      do {
        encoded = try message.encode(compress: compress)
      } catch .messageTooLarge {
        continue  // pointers can stand for far more octets than they take
      } catch {
        problems.append("re-encoding (compress: \(compress)) failed: \(error)")
        continue
      }
      sizes.append(encoded.count)
      do {
        let again = try DNSMessage.decode(encoded)
        if again != message || !sameLabels(again, message) {
          problems.append("round trip (compress: \(compress)) changed the message")
        }
      } catch {
        problems.append("re-encoded message (compress: \(compress)) does not decode: \(error)")
      }
    }
    if sizes.count == 2 && sizes[0] > sizes[1] {
      problems.append("compressed form (\(sizes[0])) longer than plain (\(sizes[1]))")
    }
  }

  private static func checkText(_ data: [UInt8], _ problems: inout [String]) {
    guard data.count <= 1024 else { return }
    let text = String(decoding: data, as: UTF8.self)
    guard let name = try? DNSName(text) else { return }
    do {
      let again = try DNSName(name.description)
      if again.labels != name.labels {
        problems.append("name text \(name.description) parses to other labels")
      }
    } catch {
      problems.append("name text \(name.description) does not parse: \(error)")
    }
  }

  /// Exact (case-sensitive) comparison of every owner name, which `==` on
  /// names does not do.
  private static func sameLabels(_ a: DNSMessage, _ b: DNSMessage) -> Bool {
    let x =
      a.questions.map(\.name.labels)
      + (a.answers + a.authorities + a.additionals).map(\.name.labels)
    let y =
      b.questions.map(\.name.labels)
      + (b.answers + b.authorities + b.additionals).map(\.name.labels)
    return x == y
  }
}
