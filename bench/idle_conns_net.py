#!/usr/bin/env python3
"""Server memory per idle plain connection, on the Net socket layer alone.

Starts the idle-hold listener (the `idleHoldServer` entry in NetTests, run
from the test bundle with NET_IDLE_HOLD set; build the tests first), or uses a
listener already running (--port and --pid, e.g. one hosted by `posta`).
Opens N loopback connections that stay silent, waits until the server holds
them all, and reports the growth of the server's RSS (and PSS) per
connection. Each held connection runs what an idle protocol session runs: a
task waiting in BufferedReader.readLine with an idle timeout.

Prints one JSON line. Standard library only.

usage:
  swift build --build-tests   # once
  bench/idle_conns_net.py --connections 10000
  bench/idle_conns_net.py --port 10025 --pid 1234 --connections 5000
"""

import argparse
import json
import os
import re
import resource
import socket
import subprocess
import sys
import time


def status_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def start_hold_server(binary):
    """Runs the test binary directly: `swift test` holds back its output."""
    env = dict(os.environ, NET_IDLE_HOLD="0", NET_IDLE_HOLD_SECONDS="600")
    cmd = [binary, "--testing-library", "swift-testing", "--filter", "idleHoldServer"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    pattern = re.compile(r"idle-hold listening on 127\.0\.0\.1:(\d+) pid (\d+)")
    while time.time() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        m = pattern.search(line)
        if m:
            return proc, int(m.group(1)), int(m.group(2))
    proc.kill()
    proc.wait()
    sys.exit("the idle-hold listener did not start")


def settle(pid, want_fds, timeout=60):
    """Waits until the server has accepted everything and its RSS is stable."""
    deadline = time.time() + timeout
    while time.time() < deadline and open_fds(pid) < want_fds:
        time.sleep(0.1)
    last = -1
    while time.time() < deadline:
        rss = status_kb(pid, "VmRSS")
        if rss == last:
            return rss
        last = rss
        time.sleep(0.5)
    return status_kb(pid, "VmRSS")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--connections", type=int, default=10000)
    ap.add_argument("--port", type=int, help="use a running listener on 127.0.0.1:PORT")
    ap.add_argument("--pid", type=int, help="the running listener's process id")
    ap.add_argument("--test-binary", default=".build/debug/PostaPackageTests.xctest",
                    help="the test bundle holding idleHoldServer (swift build --build-tests)")
    ap.add_argument("--warmup", type=int, default=200,
                    help="connections opened and closed first, so pools exist before the baseline")
    args = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.connections + 100 > hard:
        sys.exit(f"fd hard limit {hard} is too low for {args.connections} connections")

    proc = None
    if args.port:
        if not args.pid:
            sys.exit("--port needs --pid")
        port, pid = args.port, args.pid
    else:
        if not os.path.exists(args.test_binary):
            sys.exit(f"{args.test_binary} not found: run `swift build --build-tests` first")
        proc, port, pid = start_hold_server(args.test_binary)

    try:
        base_fds = open_fds(pid)
        warm = [socket.create_connection(("127.0.0.1", port)) for _ in range(args.warmup)]
        settle(pid, base_fds + len(warm))
        for s in warm:
            s.close()
        time.sleep(1)
        base_fds = open_fds(pid)
        rss0 = settle(pid, 0)
        pss0 = pss_kb(pid)

        started = time.time()
        conns = []
        for _ in range(args.connections):
            conns.append(socket.create_connection(("127.0.0.1", port)))
        connect_s = time.time() - started
        rss1 = settle(pid, base_fds + args.connections)
        pss1 = pss_kb(pid)
        held = open_fds(pid) - base_fds

        result = {
            "connections": args.connections,
            "held_by_server": held,
            "connect_seconds": round(connect_s, 2),
            "rss_before_kb": rss0,
            "rss_after_kb": rss1,
            "rss_per_conn_kb": round((rss1 - rss0) / args.connections, 2),
            "pss_per_conn_kb": round((pss1 - pss0) / args.connections, 2),
            "server_threads": status_kb(pid, "Threads"),  # a count, not kB
        }
        for s in conns:
            s.close()
        print(json.dumps(result))
    finally:
        if proc is not None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                    s.sendall(b"STOP-HOLD\r\n")
                proc.wait(timeout=60)
            except Exception:
                proc.kill()
                proc.wait()


if __name__ == "__main__":
    main()
