#!/usr/bin/env bash
# Builds the MIME libFuzzer harnesses with swiftc (SwiftPM's executable linking clashes with
# libFuzzer's main, see shared STYLE.md §5.3) and runs each for a bounded time.
#
#   Tests/Fuzz/MIME/run.sh [--seconds N] [--only message|headerValues|decoders|section] [--build-only]
#
# Each harness starts from its seeds (seeds/<name>, plus the test corpus for `message`); new
# inputs go to a scratch directory, never into the repository. Exits 0 with a SKIP line when the
# toolchain has no libFuzzer, non-zero when a harness finds a crash or a broken invariant (the
# reproducer is left in the scratch directory and named in the output).
set -euo pipefail

seconds=60
only=""
build_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --build-only) build_only=1; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="${FUZZ_BUILD_DIR:-$root/.build/fuzz-mime}"
mkdir -p "$out"
swiftc="${SWIFTC:-swiftc}"

# Probe: can this toolchain link a libFuzzer binary at all?
probe="$out/probe.swift"
cat > "$probe" <<'SWIFT'
@_cdecl("LLVMFuzzerTestOneInput")
public func probe(_ d: UnsafePointer<UInt8>?, _ n: Int) -> CInt { 0 }
SWIFT
if ! "$swiftc" -parse-as-library -sanitize=fuzzer,address "$probe" -o "$out/probe" >/dev/null 2>&1; then
  echo "SKIP: $swiftc cannot build with -sanitize=fuzzer,address here (no libFuzzer runtime); MIME fuzzing skipped."
  exit 0
fi

targets=(message headerValues decoders section)
[ -n "$only" ] && targets=("$only")

for t in "${targets[@]}"; do
  harness="$here/Fuzz$(tr '[:lower:]' '[:upper:]' <<< "${t:0:1}")${t:1}.swift"
  [ -f "$harness" ] || { echo "run.sh: no harness for $t ($harness)" >&2; exit 2; }
  echo "== building fuzz-$t"
  "$swiftc" -swift-version 6 -parse-as-library -O -g -sanitize=fuzzer,address \
    -module-name FuzzMIME \
    "$root"/Sources/MIME/*.swift \
    "$root/Tests/MIMETests/FuzzBodies.swift" "$root/Tests/MIMETests/IMAPGrammarCheck.swift" \
    "$harness" -o "$out/fuzz-$t" 2>&1 | grep -v "Cannot export local symbol" || true
  [ -x "$out/fuzz-$t" ] || { echo "run.sh: build of fuzz-$t failed" >&2; exit 1; }
done
[ "$build_only" = 1 ] && exit 0

status=0
for t in "${targets[@]}"; do
  work="$out/corpus-$t"
  mkdir -p "$work" "$out/artifacts-$t"
  seeds=("$here/seeds/$t")
  max_len=4096
  if [ "$t" = message ]; then
    seeds+=("$root/Tests/MIMETests/Corpus")
    max_len=262144
  fi
  echo "== running fuzz-$t for ${seconds}s"
  log="$out/fuzz-$t.log"
  set +e
  SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 "$out/fuzz-$t" "$work" "${seeds[@]}" \
    -max_total_time="$seconds" -max_len="$max_len" -rss_limit_mb=2048 -timeout=20 \
    -artifact_prefix="$out/artifacts-$t/" -print_final_stats=1 > "$log" 2>&1
  rc=$?
  set -e
  runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1)
  echo "fuzz-$t: exit $rc, ${runs:-?} executions in ${seconds}s"
  if [ "$rc" -ne 0 ]; then
    status=1
    tail -40 "$log"
    ls "$out/artifacts-$t"
  fi
done
exit $status
