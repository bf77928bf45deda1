// libFuzzer harness for SMTPCore: every input goes through all of `SMTPFuzzTargets` (command
// lines, replies and EHLO, the DATA decoder and DotStuffer, and a whole server session).
// Built by run.sh beside it, outside SwiftPM (see STYLE.md §5.3).
#if canImport(Glibc)
  import Glibc
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  let problems = SMTPFuzzTargets.all(bytes)
  if !problems.isEmpty {
    for p in problems {
      let line = Array("invariant violated: \(p)\n".utf8)
      _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
    abort()
  }
  return 0
}
