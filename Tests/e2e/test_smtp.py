"""SMTP against the real server: Python's smtplib over MX (plain and
STARTTLS), submission (STARTTLS + AUTH) and submissions; relay denial,
unknown users, spoofing, pipelining, BDAT, 8-bit and SMTPUTF8, size limits,
and the delivered bytes read back over POP3. swaks and msmtp where installed."""

import email.utils
import os
import poplib
import shutil
import smtplib
import socket
import ssl
import subprocess
import tempfile

from harness import PostaServer, expect, run_cli

ENV = {"POSTA_KDF_ITERATIONS": "1000"}


def ctx():
    c = ssl.create_default_context()
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    return c


def add_user(srv, address, password="pw-" + "x" * 10):
    r = run_cli("user", "add", address, "--password-stdin", config=srv.config,
                input=password + "\n", env=ENV)
    expect(r.returncode == 0, f"user add failed: {r.stderr}")
    return password


def server(**kw):
    return PostaServer(services=["smtp", "submission", "submissions", "pop3"], **kw)


def fetch_all(srv, user, password):
    """Every message in the INBOX over POP3, as raw bytes (CRLF lines)."""
    p = poplib.POP3("127.0.0.1", srv.ports["pop3"], timeout=30)
    p.user(user)
    p.pass_(password)
    n, _ = p.stat()
    out = [b"\r\n".join(p.retr(i + 1)[1]) + b"\r\n" for i in range(n)]
    p.quit()
    return out


def message(sender, to, subject, body="Hello.\r\n", extra=""):
    return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Date: {email.utils.formatdate()}\r\nMessage-ID: <{subject}@example.test>\r\n"
            f"{extra}\r\n{body}").encode()


def strip_added(raw):
    """Removes the headers Posta adds (Return-Path, Received) from the top."""
    lines = raw.split(b"\r\n")
    i = 0
    while i < len(lines) and (lines[i].startswith((b"Return-Path:", b"Received:")) or
                              (i > 0 and lines[i][:1] in (b" ", b"\t") and
                               lines[i - 1].startswith((b"Received:", b" ", b"\t")))):
        i += 1
    return b"\r\n".join(lines[i:]), lines[:i]


def test_mx_plain_and_starttls_delivery_bytes_intact():
    with server() as srv:
        pw = add_user(srv, "alice@example.test")
        m1 = message("bob@remote.test", "alice@example.test", "plain", "Line one.\r\n.dot\r\n")
        with smtplib.SMTP("127.0.0.1", srv.ports["smtp"], timeout=30) as s:
            code, caps = s.ehlo("client.test")
            expect(code == 250 and b"PIPELINING" in caps and b"STARTTLS" in caps, caps)
            expect(b"AUTH" not in caps, "MX offers AUTH before TLS")
            s.sendmail("bob@remote.test", ["alice@example.test"], m1)
        m2 = message("bob@remote.test", "alice@example.test", "tls")
        with smtplib.SMTP("127.0.0.1", srv.ports["smtp"], timeout=30) as s:
            s.starttls(context=ctx())
            s.sendmail("bob@remote.test", ["Alice@EXAMPLE.test"], m2)
        got = fetch_all(srv, "alice@example.test", pw)
        expect(len(got) == 2, f"{len(got)} messages")
        body1, added1 = strip_added(got[0])
        expect(body1 == m1, f"delivered bytes differ:\n{got[0]!r}\n{m1!r}")
        expect(added1[0] == b"Return-Path: <bob@remote.test>", added1)
        expect(any(b"with ESMTP" in l for l in added1), added1)
        body2, added2 = strip_added(got[1])
        expect(body2 == m2, "STARTTLS delivery differs")
        expect(any(b"ESMTPS" in l for l in added2) and any(b"TLSv1." in l for l in added2),
               added2)


def test_relay_denied_and_unknown_user():
    with server() as srv:
        add_user(srv, "alice@example.test")
        with smtplib.SMTP("127.0.0.1", srv.ports["smtp"], timeout=30) as s:
            s.ehlo("client.test")
            s.mail("bob@remote.test")
            code, msg = s.rcpt("someone@elsewhere.test")
            expect(code == 554 and b"5.7.1" in msg, (code, msg))
            code, msg = s.rcpt("nobody@example.test")
            expect(code == 550 and b"5.1.1" in msg, (code, msg))
            code, _ = s.rcpt("alice+tag@example.test")
            expect(code == 250, "sub-address refused")


def test_submission_requires_tls_and_auth():
    with server() as srv:
        pw = add_user(srv, "alice@example.test")
        add_user(srv, "bob@example.test")
        with smtplib.SMTP("127.0.0.1", srv.ports["submission"], timeout=30) as s:
            code, caps = s.ehlo("client.test")
            expect(b"AUTH" not in caps, "submission offers AUTH before TLS")
            code, msg = s.mail("alice@example.test")
            expect(code == 530 and b"5.7.0" in msg, (code, msg))
        for mech in ("PLAIN", "LOGIN"):
            with smtplib.SMTP("127.0.0.1", srv.ports["submission"], timeout=30) as s:
                s.starttls(context=ctx())
                s.ehlo("client.test")
                expect("auth" in s.esmtp_features, s.esmtp_features)
                s.user, s.password = "alice@example.test", pw
                code, _ = s.auth(mech, getattr(s, "auth_" + mech.lower()))
                expect(code == 235, f"AUTH {mech}: {code}")
                s.sendmail("alice@example.test", ["bob@example.test"],
                           message("alice@example.test", "bob@example.test", "sub-" + mech))
        with smtplib.SMTP_SSL("127.0.0.1", srv.ports["submissions"], context=ctx(),
                              timeout=30) as s:
            s.login("alice@example.test", pw)
            s.sendmail("alice@example.test", ["bob@example.test"],
                       message("alice@example.test", "bob@example.test", "sub-465"))


def test_spoofed_from_refused_and_missing_from_accepted():
    with server() as srv:
        pw = add_user(srv, "alice@example.test")
        add_user(srv, "bob@example.test")
        with smtplib.SMTP_SSL("127.0.0.1", srv.ports["submissions"], context=ctx(),
                              timeout=30) as s:
            s.login("alice@example.test", pw)
            code, msg = s.mail("bob@example.test")
            expect(code == 550 and b"5.7.1" in msg, ("envelope spoof", code, msg))
            s.rset()
            try:
                s.sendmail("alice@example.test", ["bob@example.test"],
                           message("bob@example.test", "bob@example.test", "spoof"))
                raise AssertionError("From: spoof accepted")
            except smtplib.SMTPDataError as e:
                expect(e.smtp_code == 550 and b"5.7.1" in e.smtp_error, e)
            s.sendmail("alice@example.test", ["bob@example.test"],
                       b"Subject: no from\r\n\r\nbody\r\n")


def test_pipelined_transaction_and_bdat():
    with server() as srv:
        pw = add_user(srv, "alice@example.test")
        with socket.create_connection(("127.0.0.1", srv.ports["smtp"]), timeout=30) as s:
            f = s.makefile("rb")
            expect(f.readline().startswith(b"220"), "greeting")
            s.sendall(b"EHLO client.test\r\nMAIL FROM:<b@remote.test>\r\n"
                      b"RCPT TO:<alice@example.test>\r\nRCPT TO:<x@elsewhere.test>\r\nDATA\r\n")
            lines = []
            while True:
                line = f.readline()
                lines.append(line)
                if line.startswith(b"354") or not line:
                    break
            codes = [l[:3] for l in lines if l[3:4] == b" "]
            expect(codes == [b"250", b"250", b"250", b"554", b"354"], lines)
            chunk = b"Subject: bdat\r\n\r\nchunk one\r\n"
            s.sendall(b"Subject: pipelined\r\n\r\nbody\r\n.\r\n"
                      b"MAIL FROM:<b@remote.test>\r\nRCPT TO:<alice@example.test>\r\n"
                      b"BDAT %d\r\n%sBDAT 0 LAST\r\nQUIT\r\n" % (len(chunk), chunk))
            rest = f.read()
            codes = [l[:3] for l in rest.split(b"\r\n") if l]
            expect(codes == [b"250", b"250", b"250", b"250", b"250", b"221"], rest)
            f.close()
        got = fetch_all(srv, "alice@example.test", pw)
        expect(len(got) == 2 and got[1].endswith(b"Subject: bdat\r\n\r\nchunk one\r\n"), got)


def test_8bit_smtputf8_and_large_message():
    extra = '[limits]\nmax_message_size = "30M"\n'
    with server(extra=extra) as srv:
        pw = add_user(srv, "alice@example.test")
        add_user(srv, "jose@example.test")
        body8 = "Grüße, ½ € — ünïcødé\r\n".encode("utf-8")
        m8 = b"From: b@remote.test\r\nSubject: 8bit\r\n\r\n" + body8
        big = b"From: b@remote.test\r\nSubject: big\r\n\r\n" + (b"y" * 998 + b"\r\n") * 20_000
        with smtplib.SMTP("127.0.0.1", srv.ports["smtp"], timeout=120) as s:
            s.ehlo("client.test")
            expect(b"8BITMIME" in s.ehlo_resp and b"SMTPUTF8" in s.ehlo_resp, s.ehlo_resp)
            s.sendmail("b@remote.test", ["alice@example.test"], m8, mail_options=["BODY=8BITMIME"])
            s.sendmail("bé@remote.test", ["alice@example.test"], m8,
                       mail_options=["SMTPUTF8", "BODY=8BITMIME"])
            s.sendmail("b@remote.test", ["alice@example.test"], big)
            code, msg = s.mail("b@remote.test", ["SIZE=40000000"])
            expect(code == 552 and b"5.3.4" in msg, (code, msg))
            s.rset()
        # Without SIZE= the limit is enforced after the end of data: the client
        # gets 552 once it has sent everything, and the session stays usable.
        with socket.create_connection(("127.0.0.1", srv.ports["smtp"]), timeout=120) as raw:
            f = raw.makefile("rb")
            f.readline()
            raw.sendall(b"EHLO client.test\r\nMAIL FROM:<b@remote.test>\r\n"
                        b"RCPT TO:<alice@example.test>\r\nDATA\r\n")
            while not f.readline().startswith(b"354"):
                pass
            chunk = b"z" * 999 + b"\r\n"
            for _ in range(32_000):
                raw.sendall(chunk)
            raw.sendall(b".\r\nNOOP\r\n")
            reply = f.readline()
            expect(reply.startswith(b"552"), f"over-size message: {reply!r}")
            expect(f.readline().startswith(b"250"), "session out of step after 552")
            f.close()
        got = fetch_all(srv, "alice@example.test", pw)
        expect(len(got) == 3, len(got))
        expect(strip_added(got[0])[0] == m8 and strip_added(got[1])[0] == m8, "8-bit altered")
        expect(strip_added(got[2])[0] == big, "20 MB message altered")


def test_swaks_and_msmtp():
    for tool in ("swaks", "msmtp"):
        if not shutil.which(tool):
            print(f"  skipped {tool}: not installed (Tests/run installs it when run as root)")
    with server() as srv:
        pw = add_user(srv, "alice@example.test")
        add_user(srv, "bob@example.test")
        if shutil.which("swaks"):
            base = ["swaks", "--server", "127.0.0.1", "--from", "alice@example.test",
                    "--to", "bob@example.test", "--timeout", "30"]
            runs = [
                ["--port", str(srv.ports["smtp"])],
                ["--port", str(srv.ports["smtp"]), "--tls", "--pipeline"],
                ["--port", str(srv.ports["submission"]), "--tls", "--auth", "PLAIN",
                 "--auth-user", "alice@example.test", "--auth-password", pw],
                ["--port", str(srv.ports["submission"]), "--tls", "--auth", "LOGIN",
                 "--auth-user", "alice@example.test", "--auth-password", pw,
                 "--body", "8-bit: caf\xe9 \xfc"],
            ]
            for extra in runs:
                r = subprocess.run(base + extra, capture_output=True, text=True, timeout=60)
                expect(r.returncode == 0, f"swaks {extra}: {r.stdout[-800:]}")
        if shutil.which("msmtp"):
            home = tempfile.mkdtemp()
            for port, tls in ((srv.ports["submission"], "tls_starttls on"),
                              (srv.ports["submissions"], "tls_starttls off")):
                rc = os.path.join(home, "msmtprc")
                with open(rc, "w") as f:
                    f.write(f"account default\nhost 127.0.0.1\nport {port}\ntls on\n{tls}\n"
                            "tls_certcheck off\nauth on\nuser alice@example.test\n"
                            f"password {pw}\nfrom alice@example.test\n")
                os.chmod(rc, 0o600)
                r = subprocess.run(["msmtp", "-C", rc, "bob@example.test"],
                                   input=message("alice@example.test", "bob@example.test",
                                                 f"msmtp{port}"),
                                   capture_output=True, timeout=60)
                expect(r.returncode == 0, f"msmtp port {port}: {r.stderr[-800:]}")
