#!/usr/bin/env bash
# Starts a release `posta serve` for the side-by-side benchmarks in ../shared/bench
# (compare.py): SMTP 10025, POP3 10110, IMAP 10143 on 127.0.0.1, accounts
# user1..user$BENCH_USERS@example.test with password "pass" (the reference
# peer's scheme), data in $BENCH_DIR (default /var/tmp/posta-bench).
#
#   bench/posta-setup.sh            # build, (re)start, create missing users
#   bench/posta-setup.sh stop       # stop the server
#
# Prints the server PID (also in $BENCH_DIR/posta.pid) for compare.py's pids=.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_DIR=${BENCH_DIR:-/var/tmp/posta-bench}
BENCH_USERS=${BENCH_USERS:-1000}
pidfile="$BENCH_DIR/posta.pid"

stop() {
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    kill -TERM "$(cat "$pidfile")"
    for _ in $(seq 1 100); do kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$pidfile"
}
if [ "${1:-}" = stop ]; then stop; exit 0; fi

swift build -c release --product posta >&2
bin="$(swift build -c release --show-bin-path)/posta"
mkdir -p "$BENCH_DIR/etc"
cat > "$BENCH_DIR/etc/posta.conf" <<CONF
hostname = "localhost"
data_dir = "../var"
log_level = "info"
[listen]
smtp = ["127.0.0.1:10025"]
submission = []
submissions = []
pop3 = ["127.0.0.1:10110"]
pop3s = ["127.0.0.1:10995"]
imap = ["127.0.0.1:10143"]
imaps = ["127.0.0.1:10993"]
[limits]
max_connections = 18000
max_connections_per_ip = 18000
[[domain]]
name = "example.test"
CONF
conf="$BENCH_DIR/etc/posta.conf"
stop
# Accounts first (the CLI works without the server); two at a time, since each
# password hash costs about 0.1 s of CPU by design.
existing=$("$bin" --config "$conf" user list example.test 2>/dev/null | awk '{print $1}' || true)
seq 1 "$BENCH_USERS" | while read -r n; do
  a="user$n@example.test"
  grep -qx "$a" <<<"$existing" || echo "$a"
done | xargs -r -P 2 -I{} sh -c "printf 'pass\n' | '$bin' --config '$conf' user add {} --password-stdin >/dev/null"
ulimit -n "$(ulimit -Hn)"
nohup "$bin" --config "$conf" serve >"$BENCH_DIR/posta.log" 2>&1 &
echo $! > "$pidfile"
for _ in $(seq 1 100); do grep -q "event=ready" "$BENCH_DIR/posta.log" 2>/dev/null && break; sleep 0.1; done
grep -q "event=ready" "$BENCH_DIR/posta.log" || { cat "$BENCH_DIR/posta.log" >&2; exit 1; }
cat "$pidfile"
