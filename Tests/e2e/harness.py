"""Shared pieces of the end-to-end tests: a real `posta serve` process on free
loopback ports with its own config and data directory."""

import os
import signal
import socket
import subprocess
import tempfile
import time

SERVICES = ["smtp", "submission", "submissions", "pop3", "pop3s", "imap", "imaps"]
IMPLICIT_TLS = {"submissions", "pop3s", "imaps"}

POSTA = None  # path of the binary under test, set by run.py


_given_ports = set()


def free_port(host="127.0.0.1"):
    """A port free on `host` now and never handed out before in this run: the kernel may
    give the port it just released to the next bind, and two services of one server
    (or two servers of one test) on the same port would refuse to start."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    while True:
        with socket.socket(fam, socket.SOCK_STREAM) as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
        if port not in _given_ports:
            _given_ports.add(port)
            return port


def run_cli(*args, config=None, input=None, env=None, timeout=60):
    """Runs `posta ARGS` and returns the CompletedProcess (text mode)."""
    cmd = [POSTA]
    if config:
        cmd += ["--config", config]
    cmd += list(args)
    e = dict(os.environ)
    e.pop("POSTA_CONFIG", None)
    if env:
        e.update(env)
    return subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout, env=e)


class PostaServer:
    """A `posta serve` child process. Use as a context manager."""

    def __init__(self, domains=("example.test",), extra="", host="127.0.0.1", services=None,
                 tmp=None, ports=None, hostname="mail.example.test"):
        self.hostname = hostname
        self.tmp = tmp or tempfile.mkdtemp(prefix="posta-e2e-")
        self.host = host
        self.domains = list(domains)
        self.extra = extra
        self.services = services or SERVICES
        self.ports = ports or {s: free_port(host) for s in self.services}
        self.config = os.path.join(self.tmp, "etc", "posta.conf")
        self.data_dir = os.path.join(self.tmp, "var")
        self.log_path = os.path.join(self.tmp, "posta.log")
        self.proc = None
        self.log = None
        self.log_offset = 0
        self.write_config()

    def addr(self, service):
        h = f"[{self.host}]" if ":" in self.host else self.host
        return f"{h}:{self.ports[service]}"

    def write_config(self):
        os.makedirs(os.path.dirname(self.config), exist_ok=True)
        lines = [f'hostname = "{self.hostname}"', 'data_dir = "../var"', 'log_level = "debug"', "",
                 "[listen]"]
        for s in SERVICES:
            val = f'["{self.addr(s)}"]' if s in self.ports else "[]"
            lines.append(f"{s} = {val}")
        lines.append("")
        for d in self.domains:
            lines += ["[[domain]]", f'name = "{d}"', ""]
        lines.append(self.extra)
        if "[dns]" not in self.extra:
            # Outbound mail must never reach the machine's resolver: a closed loopback port
            # makes every lookup fail at once (a temporary error, so mail stays queued).
            lines += ["", "[dns]", f'servers = ["127.0.0.1:{free_port()}"]']
        with open(self.config, "w") as f:
            f.write("\n".join(lines) + "\n")

    def start(self, wait=True):
        # Readiness is judged on what this run logs, not on earlier runs.
        self.log_offset = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([POSTA, "--config", self.config, "serve"],
                                     stdout=self.log, stderr=self.log, stdin=subprocess.DEVNULL)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"posta exited with {self.proc.returncode}:\n{self.log_text()}")
            if "event=ready" in self.log_text()[self.log_offset:]:
                return
            time.sleep(0.05)
        raise AssertionError("posta did not become ready:\n" + self.log_text())

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=30):
        """SIGTERM and wait; returns the exit status."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("posta did not exit within %ss after SIGTERM" % timeout)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        try:
            if self.proc and self.proc.poll() is None:
                self.stop()
        finally:
            self.kill()
            if self.log:
                self.log.close()


def connect(host, port, timeout=10):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((host, port))
    return s


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)
