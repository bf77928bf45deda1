#!/usr/bin/env python3
"""End-to-end tests: each `test_*` function in the scenario modules runs
against a real `posta` binary over real loopback sockets.

usage: run.py --posta PATH [-k SUBSTRING]
Prints one line per test and ends with 'N passed, N failed'."""

import argparse
import importlib
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

MODULES = ["test_cli", "test_foundation", "test_accounts", "test_pop3", "test_smtp", "test_outbound",
           "test_smarthost"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--posta", required=True, help="the posta binary under test")
    ap.add_argument("-k", default="", help="run only tests whose name contains this")
    args = ap.parse_args()
    harness.POSTA = os.path.abspath(args.posta)
    if not os.access(harness.POSTA, os.X_OK):
        print(f"e2e: {harness.POSTA} is not an executable; build first", file=sys.stderr)
        return 2
    passed = failed = 0
    for name in MODULES:
        mod = importlib.import_module(name)
        for fname in sorted(n for n in dir(mod) if n.startswith("test_")):
            full = f"{name}.{fname}"
            if args.k not in full:
                continue
            t0 = time.time()
            try:
                getattr(mod, fname)()
                passed += 1
                print(f"PASS {full} ({time.time() - t0:.1f}s)", flush=True)
            except Exception:
                failed += 1
                print(f"FAIL {full} ({time.time() - t0:.1f}s)", flush=True)
                traceback.print_exc()
    print(f"e2e: {passed} passed, {failed} failed", flush=True)
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
