// libFuzzer harness for FuzzBodies.section; built by run.sh beside it.
#if canImport(Glibc)
  import Glibc
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  let problems = FuzzBodies.section(bytes)
  if !problems.isEmpty {
    for p in problems {
      let line = Array("invariant violated: \(p)\n".utf8)
      _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
    abort()
  }
  return 0
}
