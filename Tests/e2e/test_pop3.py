"""POP3 against the real server with Python's poplib: logins (account and app
passwords), CAPA, STLS, pop3s, the [IN-USE] lock, and CLI changes seen at once."""

import poplib
import socket
import ssl
import time

from harness import PostaServer, expect, run_cli

ENV = {"POSTA_KDF_ITERATIONS": "1000"}


def insecure_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def add_user(srv, address, password):
    r = run_cli("user", "add", address, "--password-stdin", config=srv.config,
                input=password + "\n", env=ENV)
    expect(r.returncode == 0, f"user add failed: {r.stderr}")


def login(srv, user, password, port=None):
    p = poplib.POP3("127.0.0.1", port or srv.ports["pop3"], timeout=10)
    p.user(user)
    p.pass_(password)
    return p


def test_login_capa_and_lock():
    with PostaServer(services=["pop3", "pop3s"]) as srv:
        # Added while the server runs: seen at once.
        add_user(srv, "alice@example.test", "correct horse")
        p = poplib.POP3("127.0.0.1", srv.ports["pop3"], timeout=10)
        caps = p.capa()
        for c in ("TOP", "UIDL", "RESP-CODES", "PIPELINING", "USER", "STLS", "SASL"):
            expect(c in caps, f"CAPA lacks {c}: {caps}")
        p.user("Alice@Example.TEST")
        expect(p.pass_("correct horse").startswith(b"+OK"), "login failed")
        expect(p.stat() == (0, 0), "fresh INBOX is not empty")
        # A second session for the same maildrop is refused with [IN-USE]...
        q = poplib.POP3("127.0.0.1", srv.ports["pop3"], timeout=10)
        q.user("alice@example.test")
        try:
            q.pass_("correct horse")
            raise AssertionError("second login succeeded while the maildrop was held")
        except poplib.error_proto as e:
            expect(b"[IN-USE]" in e.args[0], e)
        q.close()
        # ...and the lock goes with the first session's TCP connection.
        p.close()  # no QUIT: the TCP connection just goes away
        deadline = time.time() + 10
        while True:
            try:
                login(srv, "alice@example.test", "correct horse").quit()
                break
            except poplib.error_proto as e:
                if time.time() > deadline:
                    raise AssertionError(f"lock not released after a drop: {e}")
                time.sleep(0.1)


def test_wrong_password_and_unknown_user_look_alike():
    with PostaServer(services=["pop3"]) as srv:
        add_user(srv, "bob@example.test", "s3cret-pass")
        replies = []
        for user, pw in (("bob@example.test", "wrong"), ("nobody@example.test", "wrong")):
            p = poplib.POP3("127.0.0.1", srv.ports["pop3"], timeout=20)
            expect(p.user(user).startswith(b"+OK"), "USER must accept any well-formed name")
            try:
                p.pass_(pw)
                raise AssertionError("bad login accepted")
            except poplib.error_proto as e:
                replies.append(e.args[0])
            p.close()
        expect(replies[0] == replies[1], f"replies differ: {replies}")
        expect(b"[AUTH]" in replies[0], replies)
        expect("s3cret-pass" not in srv.log_text() and "wrong" not in srv.log_text().replace(
            "wrong-", ""), "a password reached the log")


def test_stls_and_pop3s_and_app_password():
    with PostaServer(services=["pop3", "pop3s"]) as srv:
        add_user(srv, "carol@example.test", "account-password")
        r = run_cli("app-password", "add", "carol@example.test", "--name", "phone",
                    config=srv.config, env=ENV)
        expect(r.returncode == 0, r.stderr)
        app = r.stdout.split()[-1]
        expect(len(app) >= 16, f"app password too short: {app!r}")
        # STLS, then the app password.
        p = poplib.POP3("127.0.0.1", srv.ports["pop3"], timeout=10)
        p.stls(insecure_context())
        p.user("carol@example.test")
        expect(p.pass_(app).startswith(b"+OK"), "app password login over STLS failed")
        p.quit()
        # Implicit TLS with SNI, the account password.
        s = poplib.POP3_SSL("127.0.0.1", srv.ports["pop3s"], context=insecure_context(),
                            timeout=10)
        s.user("carol@example.test")
        expect(s.pass_("account-password").startswith(b"+OK"), "pop3s login failed")
        s.quit()
        # The app password's use is recorded (beside the login, so allow a moment).
        listed = ""
        for _ in range(50):
            r = run_cli("app-password", "list", "carol@example.test", config=srv.config, env=ENV)
            expect(r.returncode == 0, r.stderr)
            listed = next(l for l in r.stdout.splitlines() if l.startswith("phone"))
            if "never" not in listed:
                break
            time.sleep(0.1)
        expect("never" not in listed, f"app password use not recorded: {listed!r}")
        # Revoked: refused at once, even though a successful login was cached.
        r = run_cli("app-password", "revoke", "carol@example.test", "phone", config=srv.config,
                    env=ENV)
        expect(r.returncode == 0, r.stderr)
        try:
            login(srv, "carol@example.test", app).quit()
            raise AssertionError("revoked app password still works")
        except poplib.error_proto as e:
            expect(b"[AUTH]" in e.args[0], e)


def test_overlong_line_keeps_session_in_step():
    with PostaServer(services=["pop3"]) as srv:
        with socket.create_connection(("127.0.0.1", srv.ports["pop3"]), timeout=10) as s:
            f = s.makefile("rb")
            expect(f.readline().startswith(b"+OK"), "no greeting")
            s.sendall(b"CAPA " + b"x" * 5000 + b"\r\nNOOP\r\n")
            first, second = f.readline(), f.readline()
            expect(first.startswith(b"-ERR"), f"over-long line: {first!r}")
            # NOOP before login is refused: the point is that it is answered as NOOP.
            expect(second.startswith(b"-ERR") and b"NOOP" in second,
                   f"next command out of step: {second!r}")
            f.close()


def send(srv, to, raw, sender="b@remote.test"):
    import smtplib
    with smtplib.SMTP("127.0.0.1", srv.ports["smtp"], timeout=30) as s:
        s.sendmail(sender, [to], raw)


def test_retrieval_stuffing_sizes_dele_and_uidl_across_restart():
    with PostaServer(services=["smtp", "pop3"]) as srv:
        add_user(srv, "dora@example.test", "dora-password")
        msgs = [b"Subject: one\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nend\r\n",
                b"Subject: two\r\n\r\nsecond body\r\n",
                b"Subject: three\r\n\r\nthird\r\n"]
        for m in msgs:
            send(srv, "dora@example.test", m)
        p = login(srv, "dora@example.test", "dora-password")
        n, total = p.stat()
        expect(n == 3, f"STAT {n}")
        sizes = [int(x.split()[1]) for x in p.list()[1]]
        expect(sum(sizes) == total, "STAT total != sum of LIST")
        for i in range(3):
            _, lines, octets = p.retr(i + 1)
            raw = b"\r\n".join(lines) + b"\r\n"
            expect(len(raw) == sizes[i], f"LIST size {sizes[i]} != RETR bytes {len(raw)}")
            expect(raw.endswith(msgs[i]), f"message {i + 1} altered: {raw!r}")
        top = p.top(2, 0)[1]
        expect(b"Subject: two" in top and b"second body" not in top, top)
        uidl = p.uidl()[1]
        p.dele(1)
        p.close()  # dropped: nothing deleted
        p = login(srv, "dora@example.test", "dora-password")
        expect(p.stat()[0] == 3, "a dropped session deleted mail")
        expect(p.uidl()[1] == uidl, "UIDL changed between sessions")
        p.dele(1)
        p.quit()
        expect(srv.stop() == 0, srv.log_text())
        srv.start()
        p = login(srv, "dora@example.test", "dora-password")
        ids = [line.split()[1] for line in p.uidl()[1]]
        expect(ids == [line.split()[1] for line in uidl[1:]],
               f"UIDL after restart: {ids} vs {uidl}")
        p.quit()


def test_fetchmail_and_getmail():
    import os
    import shutil
    import subprocess
    import tempfile
    have = {t: shutil.which(t) for t in ("fetchmail", "getmail")}
    for t, path in have.items():
        if not path:
            print(f"  skipped {t}: not installed (Tests/run installs it when run as root)")
    if not any(have.values()):
        return
    with PostaServer(services=["smtp", "pop3"]) as srv:
        add_user(srv, "erin@example.test", "erin-password")
        sent = [b"Subject: f%d\r\nFrom: b@remote.test\r\n\r\nbody %d\r\n.dot line\r\n" % (i, i)
                for i in range(3)]
        for m in sent:
            send(srv, "erin@example.test", m)
        home = tempfile.mkdtemp()
        if have["fetchmail"]:
            for keep in ("keep", "nokeep"):
                out = os.path.join(home, f"fetchmail-{keep}.mbox")
                rc = os.path.join(home, "fetchmailrc")
                with open(rc, "w") as f:
                    f.write(f"poll 127.0.0.1 service {srv.ports['pop3']} protocol pop3 "
                            f"user \"erin@example.test\" password \"erin-password\" {keep} "
                            f"sslproto '' mda \"cat >> {out}\"\n")
                os.chmod(rc, 0o600)
                r = subprocess.run(["fetchmail", "-f", rc, "--nosyslog", "-a"],
                                   capture_output=True, text=True, timeout=60,
                                   env=dict(os.environ, HOME=home, FETCHMAILHOME=home))
                expect(r.returncode == 0, f"fetchmail {keep}: {r.stdout} {r.stderr}")
                data = open(out, "rb").read().replace(b"\r\n", b"\n")
                for m in sent:
                    expect(m.replace(b"\r\n", b"\n") in data, f"fetchmail {keep} lost {m!r}")
            p = login(srv, "erin@example.test", "erin-password")
            expect(p.stat()[0] == 0, "fetchmail nokeep left mail behind")
            p.quit()
            for m in sent:
                send(srv, "erin@example.test", m)
        if have["getmail"]:
            maildir = os.path.join(home, "Maildir")
            for d in ("cur", "new", "tmp"):
                os.makedirs(os.path.join(maildir, d), exist_ok=True)
            # getmail refuses to deliver as root; CI runs as root, so deliver as nobody.
            as_user = ""
            if os.getuid() == 0:
                as_user = "user = nobody\n"
                for d in ("", "cur", "new", "tmp"):
                    os.chmod(os.path.join(maildir, d), 0o777)
                os.chmod(home, 0o755)
            rcdir = os.path.join(home, "getmail")
            os.makedirs(rcdir, exist_ok=True)
            with open(os.path.join(rcdir, "getmailrc"), "w") as f:
                f.write(f"[retriever]\ntype = SimplePOP3Retriever\nserver = 127.0.0.1\n"
                        f"port = {srv.ports['pop3']}\nusername = erin@example.test\n"
                        f"password = erin-password\n[destination]\ntype = Maildir\n"
                        f"path = {maildir}/\n{as_user}[options]\ndelete = true\n"
                        "read_all = true\n")
            r = subprocess.run(["getmail", "--getmaildir", rcdir, "--rcfile", "getmailrc", "-v"],
                               capture_output=True, text=True, timeout=60)
            expect(r.returncode == 0, f"getmail exit {r.returncode}: {r.stdout} {r.stderr}")
            got = [open(os.path.join(maildir, "new", n), "rb").read()
                   for n in os.listdir(os.path.join(maildir, "new"))]
            joined = b"".join(got).replace(b"\r\n", b"\n")
            expect(len(got) == 3, f"getmail fetched {len(got)}: {r.stdout} {r.stderr}")
            for m in sent:
                expect(m.replace(b"\r\n", b"\n") in joined, f"getmail lost {m!r}")
            p = login(srv, "erin@example.test", "erin-password")
            expect(p.stat()[0] == 0, "getmail delete=true left mail behind")
            p.quit()
