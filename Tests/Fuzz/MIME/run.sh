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
label=MIME
. "$(dirname "$0")/../common.sh"
fuzz_args "$@"
fuzz_setup mime

targets=(message headerValues decoders section)
[ -n "$only" ] && targets=("$only")
for t in "${targets[@]}"; do
  harness="$here/Fuzz$(tr '[:lower:]' '[:upper:]' <<< "${t:0:1}")${t:1}.swift"
  [ -f "$harness" ] || { echo "run.sh: no harness for $t ($harness)" >&2; exit 2; }
  fuzz_build "fuzz-$t" FuzzMIME "$root"/Sources/MIME/*.swift \
    "$root/Tests/MIMETests/FuzzBodies.swift" "$root/Tests/MIMETests/IMAPGrammarCheck.swift" \
    "$harness"
done
[ "$build_only" = 1 ] && exit 0

status=0
for t in "${targets[@]}"; do
  seeds=("$here/seeds/$t")
  max_len=4096
  if [ "$t" = message ]; then
    seeds+=("$root/Tests/MIMETests/Corpus")
    max_len=262144
  fi
  fuzz_run "fuzz-$t" "$max_len" "${seeds[@]}" || status=1
done
exit $status
