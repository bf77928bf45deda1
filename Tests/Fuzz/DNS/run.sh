#!/usr/bin/env bash
# Builds the DNS message libFuzzer harness with swiftc (SwiftPM's executable linking clashes
# with libFuzzer's main, see shared STYLE.md §5.3) and runs it for a bounded time.
#
#   Tests/Fuzz/DNS/run.sh [--seconds N] [--build-only]
#
# The harness calls DNSFuzz.check: the message decoder (names, compression pointers, every
# record type, EDNS), the header/question decoder, re-encoding with and without compression
# and decoding again, and names in presentation form. It starts from seeds/; new inputs go to
# a scratch directory under .build, never into the repository. Exits 0 with a SKIP line when
# the toolchain has no libFuzzer, non-zero when the fuzzer finds a crash or a broken invariant
# (the reproducer is left in the artifacts directory named in the output).
set -euo pipefail

seconds=60
build_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --build-only) build_only=1; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="${FUZZ_BUILD_DIR:-$root/.build/fuzz-dns}"
mkdir -p "$out"
swiftc="${SWIFTC:-swiftc}"

# Probe: can this toolchain link a libFuzzer binary at all?
probe="$out/probe.swift"
cat > "$probe" <<'SWIFT'
@_cdecl("LLVMFuzzerTestOneInput")
public func probe(_ d: UnsafePointer<UInt8>?, _ n: Int) -> CInt { 0 }
SWIFT
if ! "$swiftc" -parse-as-library -sanitize=fuzzer,address "$probe" -o "$out/probe" >/dev/null 2>&1; then
  echo "SKIP: $swiftc cannot build with -sanitize=fuzzer,address here (no libFuzzer runtime); DNS fuzzing skipped."
  exit 0
fi

echo "== building fuzz-dns"
"$swiftc" -swift-version 6 -parse-as-library -O -g -sanitize=fuzzer,address \
  -module-name FuzzDNS "$root"/Sources/DNS/Message/*.swift "$here/FuzzDNS.swift" \
  -o "$out/fuzz-dns" 2>&1 | grep -v "Cannot export local symbol" || true
[ -x "$out/fuzz-dns" ] || { echo "run.sh: build of fuzz-dns failed" >&2; exit 1; }
[ "$build_only" = 1 ] && exit 0

work="$out/corpus"
artifacts="$out/artifacts"
mkdir -p "$work" "$artifacts"
log="$out/fuzz-dns.log"
echo "== running fuzz-dns for ${seconds}s"
set +e
SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 "$out/fuzz-dns" "$work" "$here/seeds" \
  -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=2048 -timeout=20 \
  -artifact_prefix="$artifacts/" -print_final_stats=1 > "$log" 2>&1
rc=$?
set -e
runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1)
echo "fuzz-dns: exit $rc, ${runs:-?} executions in ${seconds}s"
if [ "$rc" -ne 0 ]; then
  tail -40 "$log"
  echo "artifacts in $artifacts:"
  ls "$artifacts"
  exit 1
fi
