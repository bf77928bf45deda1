#!/usr/bin/env python3
"""Server memory per idle connection, on the socket layer alone.

Starts `posta hold` (a listener built on Posta's socket and TLS layers that
accepts connections and keeps them open without speaking any protocol), opens
N connections (optionally completing a TLS handshake on each), and reports the
server's RSS growth per connection. Prints one JSON line.

usage: bench/idle_hold.py --posta .build/release/posta --connections 10000 [--tls]
"""

import argparse
import json
import os
import resource
import socket
import ssl
import subprocess
import sys
import tempfile
import time


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
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


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--posta", default=".build/release/posta")
    ap.add_argument("--connections", type=int, default=10000)
    ap.add_argument("--tls", action="store_true")
    args = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.connections + 100 > hard:
        sys.exit(f"fd hard limit {hard} is too low for {args.connections} connections")

    tmp = tempfile.mkdtemp(prefix="posta-hold-")
    conf = os.path.join(tmp, "posta.conf")
    with open(conf, "w") as f:
        f.write('hostname = "localhost"\ndata_dir = "var"\n[limits]\n'
                f'max_connections = {args.connections + 100}\n'
                f'max_connections_per_ip = {args.connections + 100}\n'
                '[[domain]]\nname = "example.test"\n')
    port = free_port()
    cmd = [args.posta, "--config", conf, "hold", "--listen", f"127.0.0.1:{port}"]
    if args.tls:
        cmd.append("--tls")
    log = open(os.path.join(tmp, "hold.log"), "wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=log)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    time.sleep(0.5)
    base_rss, base_pss = rss_kb(proc.pid), pss_kb(proc.pid)

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    conns = []
    t0 = time.time()
    for i in range(args.connections):
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        if args.tls:
            s = ctx.wrap_socket(s, server_hostname="imap.example.test")
        conns.append(s)
    open_s = time.time() - t0
    time.sleep(2)
    alive = proc.poll() is None
    rss, pss = rss_kb(proc.pid), pss_kb(proc.pid)
    for s in conns:
        s.close()
    proc.terminate()
    proc.wait(30)
    n = args.connections
    print(json.dumps({
        "bench": "idle_hold", "tls": args.tls, "connections": n, "server_alive": alive,
        "open_seconds": round(open_s, 2),
        "base_rss_kb": base_rss, "rss_kb": rss,
        "rss_kb_per_conn": round((rss - base_rss) / n, 2),
        "pss_kb_per_conn": round((pss - base_pss) / n, 2),
    }))


if __name__ == "__main__":
    main()
