"""The `posta` command line: help, usage errors, check-config, version."""

import os
import shutil
import subprocess
import tempfile

import harness
from harness import expect, run_cli

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def test_help_and_version():
    r = run_cli("--help")
    expect(r.returncode == 0 and "serve" in r.stdout and "check-config" in r.stdout, r)
    r = run_cli("help", "serve")
    expect(r.returncode == 0 and "usage: posta serve" in r.stdout, r)
    r = run_cli("version")
    expect(r.returncode == 0 and r.stdout.startswith("posta "), r)


def test_usage_errors_exit_64():
    for args in (["frobnicate"], [], ["version", "extra"], ["serve", "--bogus"], ["--config"],
                 ["help", "nonexistent"]):
        r = run_cli(*args)
        expect(r.returncode == 64, f"{args}: exit {r.returncode}: {r.stderr}")
        expect("usage:" in r.stderr, f"{args}: no usage in stderr: {r.stderr!r}")
        expect(len(r.stderr.strip().splitlines()) <= 3, f"{args}: too chatty: {r.stderr!r}")


def test_check_config_shipped_file():
    r = run_cli("check-config", config=os.path.join(REPO, "etc", "posta.conf"))
    expect(r.returncode == 0, r)


def test_check_config_reports_file_and_line():
    d = tempfile.mkdtemp()
    p = os.path.join(d, "broken.conf")
    with open(p, "w") as f:
        f.write('hostname = "mail.example.test"\n\n[listen]\nsmtp = ["127.0.0.1:notaport"]\n'
                '\n[limits]\nmax_conections = 5\n\n[[domain]]\nname = "example.test"\n')
    r = run_cli("check-config", config=p)
    expect(r.returncode == 78, f"exit {r.returncode}: {r.stderr}")
    expect(f"{p}:4:" in r.stderr or "broken.conf:4:" in r.stderr, r.stderr)
    expect("broken.conf:7:" in r.stderr and "max_conections" in r.stderr, r.stderr)


def test_config_option_anywhere_and_env():
    p = os.path.join(REPO, "etc", "posta.conf")
    r = run_cli("check-config", "--config", p)
    expect(r.returncode == 0, r)
    r = run_cli("check-config", env={"POSTA_CONFIG": p})
    expect(r.returncode == 0, r)
    r = run_cli("check-config", env={"POSTA_CONFIG": "/nonexistent/posta.conf"})
    expect(r.returncode == 78 and "/nonexistent/posta.conf" in r.stderr, r)


def test_relative_paths_resolve_against_config_file():
    d = tempfile.mkdtemp()
    etc = os.path.join(d, "etc")
    os.makedirs(etc)
    shutil.copy(os.path.join(REPO, "etc", "posta.conf"), etc)
    # Run from an unrelated directory: data_dir must still be <d>/var.
    r = subprocess.run([harness.POSTA, "--config", "etc/posta.conf", "check-config", "--verbose"],
                       cwd=d, capture_output=True, text=True)
    expect(r.returncode == 0, r)
    expect(os.path.join(d, "var") in r.stdout, r.stdout)
    expect(not os.path.exists(os.path.join(d, "var")), "check-config must not create data_dir")
