"""Account management commands: domain, user, app-password, alias and backup, against
the real binary with its own config and data directory, with and without `posta serve`
running on the same data directory."""

import base64
import hashlib
import hmac
import os
import pty
import select
import sqlite3
import stat
import subprocess
import tempfile
import time

import harness
from harness import PostaServer, expect, run_cli

# Test-only: a low PBKDF2 count so each command hashes in microseconds.
ENV = {"POSTA_KDF_ITERATIONS": "1000"}
DOMAINS = ("example.test", "other.test")


def setup():
    """A config (never started here) with two domains; returns the PostaServer holder."""
    return PostaServer(domains=DOMAINS)


def cli(srv, *args, input=None, env=ENV):
    return run_cli(*args, config=srv.config, input=input, env=env)


def ok(r, what=""):
    expect(r.returncode == 0, f"{what}: exit {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}")
    return r


def fails(r, code, text=None, what=""):
    expect(r.returncode == code,
           f"{what}: expected exit {code}, got {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}")
    expect(len(r.stderr.strip().splitlines()) >= 1, f"{what}: no error message")
    if text:
        expect(text in r.stderr, f"{what}: {text!r} not in stderr: {r.stderr!r}")
    return r


def db(srv):
    return sqlite3.connect(os.path.join(srv.data_dir, "posta.db"))


def stored_hash(srv, address):
    with db(srv) as c:
        row = c.execute("SELECT password FROM accounts WHERE address = ?", (address,)).fetchone()
    expect(row is not None, f"no account row for {address}")
    return bytes(row[0]).decode()


def hash_matches(encoded, password):
    """Checks a SCRAM-SHA-256$i:salt$stored:server hash (RFC 5803 form) against a password,
    computed independently from RFC 5802 §3."""
    scheme, kdf, keys = encoded.split("$")
    expect(scheme == "SCRAM-SHA-256", encoded)
    iterations, salt = kdf.split(":")
    stored_key, server_key = (base64.b64decode(k) for k in keys.split(":"))
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    return (hashlib.sha256(client_key).digest() == stored_key
            and hmac.new(salted, b"Server Key", hashlib.sha256).digest() == server_key)


def test_user_add_list_quota_passwd_del():
    srv = setup()
    expect(not os.path.exists(srv.data_dir), "data_dir exists before any command")
    r = ok(cli(srv, "user", "add", "alice@example.test", "--password-stdin",
               input="alice-Secret-1\n"), "user add")
    expect("alice@example.test" in r.stdout, r.stdout)
    expect(os.path.exists(os.path.join(srv.data_dir, "posta.db")), "the command made no database")
    h = stored_hash(srv, "alice@example.test")
    expect(h.startswith("SCRAM-SHA-256$1000:"), f"POSTA_KDF_ITERATIONS ignored: {h}")
    expect(hash_matches(h, "alice-Secret-1"), "stored hash does not match the stdin password")

    # No terminal: stdin is read without the flag; one CRLF is stripped; mixed case folds.
    ok(cli(srv, "user", "add", "Bob@Other.TEST", input="bob-Secret-22\r\n"), "user add bob")
    expect(hash_matches(stored_hash(srv, "bob@other.test"), "bob-Secret-22"), "CRLF not stripped")

    # A weak password is accepted with a warning.
    r = ok(cli(srv, "user", "add", "carol@example.test", input="abc\n"), "weak password")
    expect("weak" in r.stderr, r.stderr)

    fails(cli(srv, "user", "add", "alice@example.test", input="x-Y-z-12345\n"), 65,
          "already exists", "duplicate")
    fails(cli(srv, "user", "add", "ALICE@example.test", input="x-Y-z-12345\n"), 65,
          "already exists", "duplicate in other case")
    r = fails(cli(srv, "user", "add", "dave@nowhere.test", input="x-Y-z-12345\n"), 65,
              "[[domain]]", "undeclared domain")
    expect(srv.config in r.stderr and "nowhere.test" in r.stderr, r.stderr)
    expect(len(r.stderr.strip().splitlines()) == 1, f"not one line: {r.stderr!r}")
    fails(cli(srv, "user", "add", "not-an-address", input="x-Y-z-12345\n"), 65, "invalid", "syntax")
    fails(cli(srv, "user", "add", "e@example.test", input=""), 65, "empty", "empty password")

    r = ok(cli(srv, "user", "list"), "user list")
    for a in ("alice@example.test", "bob@other.test", "carol@example.test"):
        expect(a in r.stdout, f"{a} missing from {r.stdout}")
    r = ok(cli(srv, "user", "list", "other.test"), "user list DOMAIN")
    expect("bob@other.test" in r.stdout and "alice@" not in r.stdout, r.stdout)
    fails(cli(srv, "user", "list", "nowhere.test"), 65, "[[domain]]", "list undeclared")

    ok(cli(srv, "user", "quota", "alice@example.test", "2G"), "quota 2G")
    with db(srv) as c:
        q = c.execute("SELECT quota_bytes FROM accounts WHERE address = 'alice@example.test'").fetchone()
    expect(q == (2 << 30,), f"quota row {q}")
    expect("2G" in ok(cli(srv, "user", "list", "example.test")).stdout, "list shows no 2G")
    ok(cli(srv, "user", "quota", "alice@example.test", "500M"), "quota 500M")
    ok(cli(srv, "user", "quota", "alice@example.test", "none"), "quota none")
    with db(srv) as c:
        q = c.execute("SELECT quota_bytes FROM accounts WHERE address = 'alice@example.test'").fetchone()
    expect(q == (None,), f"quota not cleared: {q}")
    fails(cli(srv, "user", "quota", "alice@example.test", "lots"), 64, "size", "bad size")
    fails(cli(srv, "user", "quota", "zed@example.test", "1G"), 67, "no account", "quota unknown")
    ok(cli(srv, "user", "add", "q@example.test", "--quota", "500M", input="q-Secret-123\n"))

    ok(cli(srv, "user", "passwd", "alice@example.test", "--password-stdin", input="new-Secret-9\n"))
    h = stored_hash(srv, "alice@example.test")
    expect(hash_matches(h, "new-Secret-9") and not hash_matches(h, "alice-Secret-1"), "passwd")
    fails(cli(srv, "user", "passwd", "zed@example.test", input="new-Secret-9\n"), 67,
          "no account", "passwd unknown")

    ok(cli(srv, "user", "del", "carol@example.test"), "user del")
    expect("carol@" not in ok(cli(srv, "user", "list")).stdout, "deleted account still listed")
    fails(cli(srv, "user", "del", "carol@example.test"), 67, "no account", "del twice")


def test_password_prompted_twice_on_a_terminal_without_echo():
    srv = setup()

    def add(address, first, second):
        master, slave = pty.openpty()
        env = dict(os.environ, **ENV)
        env.pop("POSTA_CONFIG", None)
        p = subprocess.Popen([harness.POSTA, "--config", srv.config, "user", "add", address],
                             stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        os.close(slave)
        err = b""
        echoed = b""
        try:
            for answer in (first, second):
                # Type only once the prompt is shown: turning echo off flushes typed-ahead input.
                prompts = err.count(b"assword")
                deadline = time.time() + 30
                while err.count(b"assword") == prompts:
                    expect(time.time() < deadline, f"no prompt; stderr so far: {err!r}")
                    ready, _, _ = select.select([p.stderr, master], [], [], 0.5)
                    if p.stderr in ready:
                        chunk = os.read(p.stderr.fileno(), 4096)
                        expect(chunk, f"stderr closed early: {err!r}")
                        err += chunk
                    if master in ready:
                        echoed += os.read(master, 4096)
                time.sleep(0.1)
                os.write(master, answer.encode() + b"\r")
            out, rest = p.communicate(timeout=30)
            err += rest
            while select.select([master], [], [], 0)[0]:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                echoed += chunk
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            os.close(master)
        return p.returncode, out.decode(), err.decode(), echoed

    code, out, err, echoed = add("tty@example.test", "Tty-Secret-77", "Tty-Secret-77")
    expect(code == 0, f"exit {code}: {err}")
    expect(b"Tty-Secret" not in echoed, f"password echoed: {echoed!r}")
    expect(hash_matches(stored_hash(srv, "tty@example.test"), "Tty-Secret-77"), "tty password")
    code, out, err, _ = add("tty2@example.test", "Tty-Secret-77", "Tty-Secret-78")
    expect(code == 65 and "do not match" in err, f"mismatch: exit {code}: {err}")


def test_app_passwords():
    srv = setup()
    ok(cli(srv, "user", "add", "alice@example.test", input="alice-Secret-1\n"))
    r = ok(cli(srv, "app-password", "add", "alice@example.test", "--name", "phone"), "add")
    token = r.stdout.split()[-1]
    expect(len(token) >= 16 and r.stdout.rstrip().endswith(token), f"token: {r.stdout!r}")
    expect(token not in r.stderr, "token on stderr")
    r2 = ok(cli(srv, "app-password", "add", "alice@example.test", "--name", "laptop"), "add 2")
    expect(r2.stdout.split()[-1] != token, "same token twice")

    # Stored as a hash with the account password's salt and count, never in clear.
    with db(srv) as c:
        rows = c.execute("SELECT name, hash FROM app_passwords ORDER BY name").fetchall()
    expect([n for n, _ in rows] == ["laptop", "phone"], rows)
    phone_hash = bytes(dict(rows)["phone"]).decode()
    expect(token not in phone_hash and hash_matches(phone_hash, token), "app password hash")
    account_kdf = stored_hash(srv, "alice@example.test").split("$")[1]
    expect(phone_hash.split("$")[1] == account_kdf, "app password does not share the salt")

    r = ok(cli(srv, "app-password", "list", "alice@example.test"), "list")
    expect("phone" in r.stdout and "laptop" in r.stdout, r.stdout)
    expect(token not in r.stdout, "list shows the password")

    fails(cli(srv, "app-password", "add", "alice@example.test", "--name", "phone"), 65,
          "phone", "duplicate name")
    fails(cli(srv, "app-password", "add", "alice@example.test"), 64, "--name", "no --name")
    fails(cli(srv, "app-password", "add", "nobody@example.test", "--name", "x"), 67,
          "no account", "unknown account")

    ok(cli(srv, "app-password", "revoke", "alice@example.test", "phone"), "revoke")
    r = ok(cli(srv, "app-password", "list", "alice@example.test"))
    expect("phone" not in r.stdout and "laptop" in r.stdout, r.stdout)
    fails(cli(srv, "app-password", "revoke", "alice@example.test", "phone"), 65, "phone",
          "revoke twice")


def test_aliases():
    srv = setup()
    for a in ("alice@example.test", "bob@example.test"):
        ok(cli(srv, "user", "add", a, input="some-Secret-1\n"))
    r = ok(cli(srv, "alias", "add", "team@example.test", "alice@example.test", "bob@example.test"))
    expect("team@example.test" in r.stdout, r.stdout)
    ok(cli(srv, "alias", "add", "@other.test", "alice@example.test"), "catch-all")
    ok(cli(srv, "alias", "add", "out@example.test", "someone@elsewhere.test"), "remote target")
    r = ok(cli(srv, "alias", "list"))
    lines = r.stdout.splitlines()
    team = [l for l in lines if l.startswith("team@example.test")]
    expect(team and "alice@example.test" in team[0] and "bob@example.test" in team[0], r.stdout)
    expect(any(l.startswith("@other.test") for l in lines), f"catch-all not listed: {r.stdout}")

    ok(cli(srv, "alias", "add", "x1@example.test", "team@example.test"))
    fails(cli(srv, "alias", "add", "team@example.test", "x1@example.test"), 65, "loop", "loop")
    fails(cli(srv, "alias", "add", "self@example.test", "self@example.test"), 65, "loop", "self loop")
    fails(cli(srv, "alias", "add", "a@nowhere.test", "alice@example.test"), 65, "[[domain]]",
          "undeclared")
    fails(cli(srv, "alias", "add", "bad alias", "alice@example.test"), 65, "invalid", "syntax")
    fails(cli(srv, "alias", "add", "a@example.test", "not-an-address"), 65, "invalid", "target")
    fails(cli(srv, "alias", "add", "a@example.test", "ghost@example.test"), 67, "ghost",
          "missing target")
    fails(cli(srv, "alias", "add", "alice@example.test", "bob@example.test"), 65, "alice",
          "alias over an account")

    # Adding to an existing alias keeps its targets; del with targets removes only those.
    ok(cli(srv, "alias", "add", "team@example.test", "out@example.test"), "add a target")
    ok(cli(srv, "alias", "del", "team@example.test", "bob@example.test"), "del a target")
    r = ok(cli(srv, "alias", "list"))
    team = [l for l in r.stdout.splitlines() if l.startswith("team@example.test")]
    expect(team and "alice@example.test" in team[0] and "out@example.test" in team[0]
           and "bob@" not in team[0], r.stdout)
    fails(cli(srv, "alias", "del", "team@example.test", "carol@example.test"), 65, "carol",
          "del a target it lacks")

    ok(cli(srv, "alias", "del", "team@example.test"), "del")
    fails(cli(srv, "alias", "del", "team@example.test"), 67, "team", "del twice")
    r = ok(cli(srv, "alias", "list"))
    expect(not any(l.startswith("team@") for l in r.stdout.splitlines()), r.stdout)


def test_domain_list_counts():
    srv = setup()
    for a in ("a@example.test", "b@example.test", "c@other.test"):
        ok(cli(srv, "user", "add", a, input="some-Secret-1\n"))
    r = ok(cli(srv, "domain", "list"))
    counts = {}
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].isdigit():
            counts[parts[0]] = int(parts[1])
    expect(counts == {"example.test": 2, "other.test": 1}, f"{counts}: {r.stdout}")


def test_backup():
    srv = setup()
    for a in ("alice@example.test", "bob@other.test"):
        ok(cli(srv, "user", "add", a, input="some-Secret-1\n"))
    ok(cli(srv, "alias", "add", "team@example.test", "alice@example.test"))
    dkim = os.path.join(srv.data_dir, "dkim")
    os.makedirs(dkim)
    key = os.path.join(dkim, "example.test.key")
    with open(key, "w") as f:
        f.write("not really a key\n")
    os.chmod(key, 0o600)

    dest = os.path.join(tempfile.mkdtemp(prefix="posta-backup-"), "b1")
    r = ok(cli(srv, "backup", dest), "backup")
    expect("posta.db" in r.stdout and "dkim" in r.stdout, r.stdout)
    expect("restore" in r.stdout.lower(), "no restore steps printed")
    with sqlite3.connect(os.path.join(dest, "posta.db")) as c:
        rows = sorted(a for (a,) in c.execute("SELECT address FROM accounts"))
        aliases = c.execute("SELECT address FROM aliases").fetchall()
    expect(rows == ["alice@example.test", "bob@other.test"], rows)
    expect(aliases == [("team@example.test",)], aliases)
    copied = os.path.join(dest, "dkim", "example.test.key")
    expect(open(copied).read() == "not really a key\n", "dkim key not copied")
    expect(stat.S_IMODE(os.stat(copied).st_mode) == 0o600, "key mode not kept")
    expect(stat.S_IMODE(os.stat(os.path.join(dest, "posta.db")).st_mode) == 0o600,
           "database copy readable by others")

    fails(cli(srv, "backup", dest), 73, dest, "existing DEST")
    empty = tempfile.mkdtemp(prefix="posta-backup-empty-")
    ok(cli(srv, "backup", empty), "empty DEST")
    fails(cli(srv, "backup", os.path.join(srv.data_dir, "inside")), 64, "data_dir", "inside")
    r = ok(cli(srv, "help", "backup"))
    expect("restore" in r.stdout.lower() and "stop" in r.stdout, r.stdout)


def test_commands_while_server_runs():
    with PostaServer(domains=DOMAINS) as srv:
        ok(cli(srv, "user", "add", "live@example.test", input="live-Secret-1\n"), "add")
        r = ok(cli(srv, "app-password", "add", "live@example.test", "--name", "imap"))
        expect(len(r.stdout.split()[-1]) >= 16, r.stdout)
        ok(cli(srv, "alias", "add", "info@example.test", "live@example.test"), "alias")
        ok(cli(srv, "user", "quota", "live@example.test", "1G"), "quota")
        ok(cli(srv, "user", "passwd", "live@example.test", input="live-Secret-2\n"), "passwd")
        expect("live@example.test" in ok(cli(srv, "user", "list")).stdout, "list")
        ok(cli(srv, "domain", "list"), "domain list")
        dest = os.path.join(tempfile.mkdtemp(prefix="posta-backup-"), "live")
        ok(cli(srv, "backup", dest), "backup while serving")
        with sqlite3.connect(os.path.join(dest, "posta.db")) as c:
            rows = c.execute("SELECT address FROM accounts").fetchall()
        expect(rows == [("live@example.test",)], rows)
        ok(cli(srv, "app-password", "revoke", "live@example.test", "imap"), "revoke")

        # Another process holding the write lock for a while: the command waits for it
        # (busy timeout) instead of failing, and a reader never blocks it (WAL).
        holder = sqlite3.connect(os.path.join(srv.data_dir, "posta.db"), isolation_level=None)
        reader = sqlite3.connect(os.path.join(srv.data_dir, "posta.db"), isolation_level=None)
        try:
            reader.execute("BEGIN")
            reader.execute("SELECT count(*) FROM accounts").fetchone()
            holder.execute("BEGIN IMMEDIATE")
            env = dict(os.environ, **ENV)
            env.pop("POSTA_CONFIG", None)
            p = subprocess.Popen([harness.POSTA, "--config", srv.config, "user", "quota",
                                  "live@example.test", "3G"], stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
            time.sleep(1)
            expect(p.poll() is None, "the command did not wait for the lock")
            holder.execute("COMMIT")
            out, err = p.communicate(timeout=60)
            expect(p.returncode == 0, f"exit {p.returncode}: {err}")
            q = reader.execute("SELECT quota_bytes FROM accounts").fetchone()
            expect(q == (1 << 30,), f"the reader's snapshot moved: {q}")
            reader.execute("COMMIT")
            q = reader.execute("SELECT quota_bytes FROM accounts").fetchone()
            expect(q == (3 << 30,), f"quota not written: {q}")
        finally:
            holder.close()
            reader.close()
        ok(cli(srv, "user", "del", "live@example.test"), "del")
        expect(srv.proc.poll() is None, "server died:\n" + srv.log_text())
        expect(srv.stop() == 0, "server exit status:\n" + srv.log_text())


def test_concurrent_commands_on_a_fresh_data_dir():
    # Every process creates data_dir and migrates the new database at the same moment;
    # the busy timeout, not luck, must let all of them through.
    srv = setup()
    env = dict(os.environ, **ENV)
    env.pop("POSTA_CONFIG", None)
    procs = [subprocess.Popen([harness.POSTA, "--config", srv.config, "user", "add",
                               f"u{i}@example.test"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for i in range(8)]
    for i, p in enumerate(procs):
        out, err = p.communicate(input=f"user-{i}-Secret\n", timeout=120)
        expect(p.returncode == 0, f"u{i}: exit {p.returncode}: {err}")
    r = ok(cli(srv, "user", "list", "example.test"))
    expect(all(f"u{i}@example.test" in r.stdout for i in range(8)), r.stdout)


def test_account_usage_errors_exit_64():
    srv = setup()
    for args in (["user", "add"], ["user", "add", "a@example.test", "b@example.test"],
                 ["user", "add", "a@example.test", "--bogus"],
                 ["user", "add", "a@example.test", "--quota"],
                 ["user", "add", "a@example.test", "--quota", "lots"],
                 ["user", "quota", "a@example.test"], ["user", "list", "a", "b"],
                 ["user", "frobnicate"], ["alias", "add", "x@example.test"], ["alias", "del"],
                 ["app-password", "revoke", "a@example.test"], ["backup"],
                 ["domain", "list", "extra"]):
        r = cli(srv, *args, input="some-Secret-1\n")
        expect(r.returncode == 64, f"{args}: exit {r.returncode}: {r.stderr}")
        expect("usage:" in r.stderr, f"{args}: no usage in stderr: {r.stderr!r}")
    r = run_cli("help", "user")
    expect(r.returncode == 0 and "user add" in r.stdout and "user quota" in r.stdout, r)
    r = run_cli("help", "user", "add")
    expect("never taken from the command line" in r.stdout and "POSTA_KDF_ITERATIONS" in r.stdout,
           r.stdout)
