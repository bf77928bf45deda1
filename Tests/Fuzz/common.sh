# Shared by Tests/Fuzz/*/run.sh: argument parsing, the libFuzzer probe, building a harness
# with swiftc and running it for a bounded time. Source it after setting `label` (the name
# in SKIP and progress lines, e.g. POP3); it defines `here`, `root`, `out`, `seconds`,
# `only` and `build_only`.

seconds=60
only=""
build_only=0

# fuzz_args "$@": --seconds N, --only NAME, --build-only, --help (prints the calling
# script's header comment).
fuzz_args() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --seconds) seconds="$2"; shift 2 ;;
      --only) only="$2"; shift 2 ;;
      --build-only) build_only=1; shift ;;
      -h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
      *) echo "run.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
    esac
  done
}

# fuzz_setup NAME: the scratch directory .build/fuzz-NAME (or $FUZZ_BUILD_DIR), then exits 0
# with a SKIP line when this toolchain cannot link a libFuzzer binary at all.
fuzz_setup() {
  here="$(cd "$(dirname "$0")" && pwd)"
  root="$(cd "$here/../../.." && pwd)"
  out="${FUZZ_BUILD_DIR:-$root/.build/fuzz-$1}"
  swiftc="${SWIFTC:-swiftc}"
  mkdir -p "$out"
  local probe="$out/probe.swift"
  cat > "$probe" <<'SWIFT'
@_cdecl("LLVMFuzzerTestOneInput")
public func probe(_ d: UnsafePointer<UInt8>?, _ n: Int) -> CInt { 0 }
SWIFT
  if ! "$swiftc" -parse-as-library -sanitize=fuzzer,address "$probe" -o "$out/probe" >/dev/null 2>&1; then
    echo "SKIP: $swiftc cannot build with -sanitize=fuzzer,address here (no libFuzzer runtime); $label fuzzing skipped."
    exit 0
  fi
}

# fuzz_build BINARY MODULE SOURCE...: builds $out/BINARY; a failed build leaves no old
# binary behind to be run.
fuzz_build() {
  local binary="$1" module="$2"
  shift 2
  echo "== building $binary"
  rm -f "$out/$binary"
  "$swiftc" -swift-version 6 -parse-as-library -O -g -sanitize=fuzzer,address \
    -module-name "$module" "$@" -o "$out/$binary" 2>&1 | grep -v "Cannot export local symbol" || true
  [ -x "$out/$binary" ] || { echo "run.sh: build of $binary failed" >&2; exit 1; }
}

# fuzz_run BINARY MAX_LEN SEED_DIR...: runs $out/BINARY for $seconds; new inputs go to a
# scratch corpus, never into the repository. Returns non-zero (after showing the log's end
# and the reproducers) when it found a crash or a broken invariant.
fuzz_run() {
  local binary="$1" max_len="$2"
  shift 2
  local work="$out/corpus-$binary" artifacts="$out/artifacts-$binary" log="$out/$binary.log"
  mkdir -p "$work"
  rm -rf "$artifacts" && mkdir -p "$artifacts"  # list only what this run found
  echo "== running $binary for ${seconds}s"
  local rc
  set +e
  SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 "$out/$binary" "$work" "$@" \
    -max_total_time="$seconds" -max_len="$max_len" -rss_limit_mb=2048 -timeout=20 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 > "$log" 2>&1
  rc=$?
  set -e
  local runs
  runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1)
  echo "$binary: exit $rc, ${runs:-?} executions in ${seconds}s"
  if [ "$rc" -ne 0 ]; then
    tail -40 "$log"
    echo "reproducers in $artifacts (replay: $out/$binary FILE):"
    ls "$artifacts"
    return 1
  fi
}
