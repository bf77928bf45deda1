#!/usr/bin/env bash
# Builds the MIME benchmark with swiftc -O (whole-module, no SwiftPM target) and runs it.
#   bench/mime/run.sh [seconds-per-workload]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${BENCH_BUILD_DIR:-$root/.build/bench-mime}"
mkdir -p "$out"
swiftc -swift-version 6 -O -wmo -parse-as-library -module-name MIMEBench \
  "$root"/Sources/MIME/*.swift "$here/main.swift" -o "$out/mime-bench"
"$out/mime-bench" "$root/Tests/MIMETests/Corpus" "${1:-2}"
