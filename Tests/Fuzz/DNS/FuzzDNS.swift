// libFuzzer harness for DNSFuzz.check; built by run.sh beside it together with the
// DNS codec sources (Sources/DNS/Message, which import nothing), as one module.
#if canImport(Glibc)
  import Glibc
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  let problems = DNSFuzz.check(bytes)
  if !problems.isEmpty {
    for problem in problems {
      let line = Array("invariant violated: \(problem)\n".utf8)
      _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
    abort()
  }
  return 0
}
