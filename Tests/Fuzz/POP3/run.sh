#!/usr/bin/env bash
# Builds the POP3 libFuzzer harness with swiftc (SwiftPM's executable linking clashes with
# libFuzzer's main, see shared STYLE.md §5.3) and runs it for a bounded time.
#
#   Tests/Fuzz/POP3/run.sh [--seconds N] [--build-only]
#
# The harness calls POP3Fuzz.check: command parser, sessions in each state, SASL lines,
# RETR/TOP stuffing and sizes. It starts from seeds/; new inputs go to a scratch directory
# under .build, never into the repository. Exits 0 with a SKIP line when the toolchain has
# no libFuzzer, non-zero when the fuzzer finds a crash or a broken invariant (the
# reproducer is left in the artifacts directory named in the output).
set -euo pipefail
label=POP3
. "$(dirname "$0")/../common.sh"
fuzz_args "$@"
fuzz_setup pop3
fuzz_build fuzz-pop3 FuzzPOP3 "$root"/Sources/POP3Core/*.swift "$here/FuzzPOP3.swift"
[ "$build_only" = 1 ] && exit 0
fuzz_run fuzz-pop3 8192 "$here/seeds"
