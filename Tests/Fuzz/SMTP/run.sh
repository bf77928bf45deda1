#!/usr/bin/env bash
# Builds the SMTPCore libFuzzer harness with swiftc (SwiftPM's executable linking clashes with
# libFuzzer's main, see shared STYLE.md §5.3) and runs it for a bounded time.
#
#   Tests/Fuzz/SMTP/run.sh [--seconds N] [--build-only]
#
# The fuzzer starts from seeds/ (also replayed by `swift test`, FuzzSeedTests); inputs it finds
# go to a scratch directory under .build, never into the repository. Exits 0 with a SKIP line
# when the toolchain cannot build with -sanitize=fuzzer; non-zero when an input crashes or
# breaks an invariant (the reproducer is named in the output; replay it with
# `.build/fuzz-smtp/fuzz-smtp <file>`).
set -euo pipefail
label=SMTP
. "$(dirname "$0")/../common.sh"
fuzz_args "$@"
fuzz_setup smtp
mapfile -t sources < <(find "$root/Sources/SMTPCore" -name '*.swift' | sort)
fuzz_build fuzz-smtp FuzzSMTP "${sources[@]}" "$here/FuzzSMTP.swift"
[ "$build_only" = 1 ] && exit 0
fuzz_run fuzz-smtp 8192 "$here/seeds"
