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
label=DNS
. "$(dirname "$0")/../common.sh"
fuzz_args "$@"
fuzz_setup dns
fuzz_build fuzz-dns FuzzDNS "$root"/Sources/DNS/Message/*.swift "$here/FuzzDNS.swift"
[ "$build_only" = 1 ] && exit 0
fuzz_run fuzz-dns 4096 "$here/seeds"
