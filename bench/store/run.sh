#!/bin/sh
# Builds the store benchmark with optimisation, straight with swiftc (no SwiftPM target,
# and only Log + Storage are compiled), then runs it.
#   bench/store/run.sh            # 1, 8 and 64 writers
#   bench/store/run.sh 64         # chosen writer counts
#   STRACE=1 bench/store/run.sh   # also count the real fsync/fdatasync calls with strace
set -eu
cd "$(dirname "$0")/../.."
out=.build/bench-store
mkdir -p "$out"
swiftc -O -swift-version 6 -parse-as-library -module-name Log -emit-library -static \
  -emit-module -emit-module-path "$out/Log.swiftmodule" -o "$out/libLog.a" Sources/Log/*.swift
swiftc -O -swift-version 6 -parse-as-library -module-name Storage -emit-library -static \
  -I "$out" -I Sources/CSQLite \
  -emit-module -emit-module-path "$out/Storage.swiftmodule" -o "$out/libStorage.a" \
  Sources/Storage/*.swift
swiftc -O -swift-version 6 -parse-as-library -I "$out" -I Sources/CSQLite -L "$out" \
  -lStorage -lLog -lsqlite3 bench/store/main.swift -o "$out/store-bench"
if [ "${STRACE:-0}" = 1 ]; then
  exec strace -f -c -e trace=fsync,fdatasync "$out/store-bench" "$@"
fi
exec "$out/store-bench" "$@"
