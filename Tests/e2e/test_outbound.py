"""Outbound mail between two Posta instances over the real MX path: a test DNS
server on loopback answers MX/A for a.test (127.0.0.2) and b.test (127.0.0.3),
each instance listens for MX on port 25 of its own address. Covers delivery
with a DKIM signature checked by dkimpy against the key `posta dns` printed,
the Received chain, a 550 bounce, deferral while the receiver is down and
delivery after it comes back, an immediate bounce for a null MX domain, a
message to three domains of which one fails, and the DSN parameters: NOTIFY=NEVER
gives no bounce, RET=FULL returns the body, NOTIFY=SUCCESS to B (which offers DSN)
makes B report "delivered" to the sender at A, NOTIFY=SUCCESS to a user of A
puts the "delivered" report in the sender's own mailbox, NOTIFY=SUCCESS to a server
without DSN (d.test, a Python sink) makes A report "relayed", and NOTIFY=SUCCESS to an
alias makes A report "expanded" once while its targets go on without SUCCESS."""

import email.utils
import poplib
import re
import smtplib
import time

from dnsserver import DNSServer
from harness import PostaServer, expect, free_port, run_cli
from smtpsink import SMTPSink
from test_smtp import ENV, add_user, ctx

ZONE = {
    "ttl": 5,
    "negative_ttl": 5,
    "records": {
        "a.test": {"MX": [[10, "mx.a.test"]]},
        "mx.a.test": {"A": ["127.0.0.2"]},
        "b.test": {"MX": [[10, "mx.b.test"]]},
        "mx.b.test": {"A": ["127.0.0.3"]},
        "c.test": {"MX": [[10, "mx.b.test"]]},
        "nomail.test": {"MX": [[0, "."]]},
        "loop.test": {"MX": [[10, "mx.a.test"]]},
        "d.test": {"MX": [[10, "mx.d.test"]]},
        "mx.d.test": {"A": ["127.0.0.4"]},
    },
}


def instance(domain, host, dns_port, more=()):
    extra = (f'[dns]\nservers = ["127.0.0.1:{dns_port}"]\n\n'
             '[delivery]\nretry_intervals = ["1s", "2s"]\n')
    ports = {"smtp": 25, "submission": free_port(host), "pop3": free_port(host)}
    return PostaServer(domains=[domain, *more], host=host, services=list(ports), ports=ports,
                       hostname=f"mail.{domain}", extra=extra)


def inbox(srv, user, password):
    p = poplib.POP3(srv.host, srv.ports["pop3"], timeout=30)
    p.user(user)
    p.pass_(password)
    n, _ = p.stat()
    out = [b"\r\n".join(p.retr(i + 1)[1]) + b"\r\n" for i in range(n)]
    p.quit()
    return out


def wait_for(what, check, timeout=60):
    deadline = time.time() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def submit(srv, user, password, to, subject, sender=None, mail_options=(), rcpt_options=()):
    body = (f"From: {sender or user}\r\nTo: {', '.join(to)}\r\nSubject: {subject}\r\n"
            f"Date: {email.utils.formatdate()}\r\n"
            f"Message-ID: <{subject}@a.test>\r\n\r\nHello from A.\r\n").encode()
    with smtplib.SMTP(srv.host, srv.ports["submission"], timeout=30) as s:
        s.starttls(context=ctx())
        s.login(user, password)
        s.sendmail(user, to, body, mail_options=list(mail_options),
                   rcpt_options=list(rcpt_options))


def dkim_keys(srv, domain):
    """The DKIM TXT records `posta dns` prints, by owner name."""
    r = run_cli("dns", domain, config=srv.config)
    expect(r.returncode == 0, f"posta dns failed: {r.stderr}")
    keys = {}
    for line in r.stdout.splitlines():
        m = re.match(r'^(\S+\._domainkey\.\S+) IN TXT (.*)$', line)
        if m:
            keys[m.group(1).lower()] = "".join(re.findall(r'"([^"]*)"', m.group(2))).encode()
    expect(keys, f"no DKIM record in posta dns output:\n{r.stdout}")
    for kind in ("IN MX", '"v=spf1 mx -all"', "_dmarc.", "_submission._tcp.", "_imaps._tcp.",
                 "_pop3s._tcp.", "smtp.a.test. IN A"):
        expect(kind in r.stdout, f"posta dns lacks {kind}:\n{r.stdout}")
    return keys


def verify_dkim(raw, keys):
    try:
        import dkim
    except ImportError as e:
        print(f"  skipping the DKIM check: dkimpy is not installed ({e}); "
              "install it with python3 -m pip install dkimpy")
        return

    def dnsfunc(name, timeout=5):
        key = name.decode() if isinstance(name, bytes) else name
        return keys.get(key.lower().rstrip(".") + ".", b"")

    expect(dkim.verify(raw, dnsfunc=dnsfunc), "dkimpy does not verify the DKIM-Signature")
    tampered = raw.replace(b"Hello from A.", b"Hello from X.")
    expect(not dkim.verify(tampered, dnsfunc=dnsfunc), "dkimpy verifies a changed body")


def bounces(srv, user, password):
    return [m for m in inbox(srv, user, password) if b"multipart/report" in m]


def test_mail_between_two_instances():
    with DNSServer(ZONE) as dns:
        a = instance("a.test", "127.0.0.2", dns.port)
        b = instance("b.test", "127.0.0.3", dns.port, more=["c.test"])
        with a, b:
            alice_pw = add_user(a, "alice@a.test")
            bob_pw = add_user(b, "bob@b.test")
            carol_pw = add_user(b, "carol@c.test")

            # Delivered through MX, signed, with B's Received naming A.
            submit(a, "alice@a.test", alice_pw, ["bob@b.test"], "first")
            got = wait_for("delivery to B", lambda: inbox(b, "bob@b.test", bob_pw))
            raw = got[0]
            expect(b"DKIM-Signature:" in raw, raw)
            verify_dkim(raw, dkim_keys(a, "a.test"))
            received = [l for l in raw.split(b"\r\n") if l.startswith(b"Received:")]
            expect(len(received) >= 2, raw)
            expect(re.search(rb"from mail\.a\.test .*by mail\.b\.test",
                             b" ".join(raw.split(b"\r\n\t")).replace(b"\r\n ", b" ")),
                   f"B's Received does not name A:\n{raw.decode(errors='replace')}")

            # Unknown user at B: a bounce at A quoting B's 550.
            submit(a, "alice@a.test", alice_pw, ["nobody@b.test"], "unknown")
            bounce = wait_for("a bounce for nobody@b.test",
                              lambda: bounces(a, "alice@a.test", alice_pw))[0]
            expect(b"550" in bounce and b"nobody@b.test" in bounce, bounce)
            expect(bounce.startswith(b"Return-Path: <>"), bounce[:200])

            # Null MX: an immediate bounce.
            submit(a, "alice@a.test", alice_pw, ["x@nomail.test"], "nullmx")
            wait_for("a bounce for the null MX domain",
                     lambda: len(bounces(a, "alice@a.test", alice_pw)) >= 2
                     and any(b"x@nomail.test" in m
                             for m in bounces(a, "alice@a.test", alice_pw)))

            # B down: deferred, visible in queue list; delivered once B is back.
            b.stop()
            submit(a, "alice@a.test", alice_pw, ["bob@b.test"], "later")

            def deferred():
                r = run_cli("queue", "list", config=a.config)
                expect(r.returncode == 0, r.stderr)
                return "deferred" in r.stdout and "bob@b.test" in r.stdout and r.stdout
            listing = wait_for("a deferred entry in queue list", deferred)
            queue_id = listing.split()[0]
            r = run_cli("queue", "show", queue_id, config=a.config)
            expect(r.returncode == 0 and "bob@b.test" in r.stdout and "Subject: later" in r.stdout,
                   (r.returncode, r.stdout, r.stderr))
            r = run_cli("queue", "delete", "999999", config=a.config)
            expect(r.returncode == 66, (r.returncode, r.stderr))
            # No `queue retry`: the retry schedule alone brings it over.
            b.start()
            wait_for("delivery after B came back",
                     lambda: len(inbox(b, "bob@b.test", bob_pw)) == 2)
            wait_for("an empty queue", lambda: "Queue is empty" in run_cli(
                "queue", "list", config=a.config).stdout)
            expect(len(bounces(a, "alice@a.test", alice_pw)) == 2, "no extra bounce")

            # Three domains, one failing: two delivered, one bounce naming only that one.
            submit(a, "alice@a.test", alice_pw, ["bob@b.test", "carol@c.test", "y@nomail.test"],
                   "three")
            wait_for("delivery to both domains at B",
                     lambda: len(inbox(b, "bob@b.test", bob_pw)) == 3
                     and len(inbox(b, "carol@c.test", carol_pw)) == 1)
            third = wait_for("a bounce for y@nomail.test", lambda: [
                m for m in bounces(a, "alice@a.test", alice_pw) if b"y@nomail.test" in m])[0]
            expect(b"Final-Recipient: rfc822; y@nomail.test" in third
                   and b"Final-Recipient: rfc822; bob@b.test" not in third
                   and b"Final-Recipient: rfc822; carol@c.test" not in third, third)

            # A domain whose MX is A itself: a bounce at once, no mail loop.
            submit(a, "alice@a.test", alice_pw, ["x@loop.test"], "loop")
            loop = wait_for("a bounce for x@loop.test", lambda: [
                m for m in bounces(a, "alice@a.test", alice_pw) if b"x@loop.test" in m])[0]
            expect(b"5.4.6" in loop and b"loops back to myself" in loop, loop)


def test_dkim_keys_before_listening_and_on_reload():
    import os
    import signal
    with PostaServer(domains=["a.test"], services=["smtp"]) as srv:
        dkim_dir = os.path.join(srv.data_dir, "dkim")
        expect(os.path.exists(os.path.join(dkim_dir, "a.test", "active")), "no key at start")
        srv.domains.append("new.test")
        srv.write_config()
        srv.signal(signal.SIGHUP)
        wait_for("a key for the domain added by reload",
                 lambda: os.path.exists(os.path.join(dkim_dir, "new.test", "active")))
        r = run_cli("dkim", "rotate", "a.test", config=srv.config)
        expect(r.returncode == 0 and "._domainkey.a.test. IN TXT" in r.stdout, r)
        r = run_cli("dns", "a.test", config=srv.config)
        expect(r.stdout.count("._domainkey.a.test. IN TXT") == 2, "old key no longer printed")


def queue_empty(srv):
    return "Queue is empty" in run_cli("queue", "list", config=srv.config).stdout


def test_dsn_parameters_between_two_instances():
    with DNSServer(ZONE) as dns:
        a = instance("a.test", "127.0.0.2", dns.port)
        b = instance("b.test", "127.0.0.3", dns.port)
        with a, b:
            alice_pw = add_user(a, "alice@a.test")
            carol_pw = add_user(a, "carol@a.test")
            bob_pw = add_user(b, "bob@b.test")

            # NOTIFY=NEVER to an unknown user at B: B refuses it, and nobody is told.
            submit(a, "alice@a.test", alice_pw, ["nobody@b.test"], "never",
                   rcpt_options=["NOTIFY=NEVER"])
            wait_for("the refused recipient leaving the queue", lambda: queue_empty(a))

            # RET=FULL: the bounce returns the whole message, with ENVID and ORCPT.
            submit(a, "alice@a.test", alice_pw, ["nobody@b.test"], "full",
                   mail_options=["RET=FULL", "ENVID=e2e-1"], rcpt_options=["NOTIFY=FAILURE"])
            bounce = wait_for("the RET=FULL bounce", lambda: bounces(a, "alice@a.test", alice_pw))
            expect(len(bounce) == 1, f"NOTIFY=NEVER made a bounce too: {len(bounce)}")
            bounce = bounce[0]
            expect(b"Content-Type: message/rfc822" in bounce and b"Hello from A." in bounce,
                   bounce)
            expect(b"Original-Envelope-Id: e2e-1" in bounce, bounce)
            expect(b"Original-Recipient: rfc822;nobody@b.test" in bounce, bounce)

            # NOTIFY=SUCCESS: B offers DSN, so A passes NOTIFY, ORCPT and ENVID on and B,
            # storing the message in bob's mailbox, sends alice the "delivered" report.
            ehlo = smtplib.SMTP(b.host, 25, timeout=30)
            expect(ehlo.ehlo()[0] == 250 and ehlo.has_extn("dsn"), "B does not offer DSN")
            ehlo.quit()
            submit(a, "alice@a.test", alice_pw, ["bob@b.test"], "success",
                   mail_options=["ENVID=e2e-2"], rcpt_options=["NOTIFY=SUCCESS"])
            wait_for("delivery to bob", lambda: inbox(b, "bob@b.test", bob_pw))
            report = wait_for("a delivered report from B", lambda: [
                m for m in bounces(a, "alice@a.test", alice_pw) if b"Action: delivered" in m])
            expect(len(report) == 1, f"{len(report)} delivered reports")
            report = report[0]
            for field in (b"Reporting-MTA: dns; mail.b.test", b"Original-Envelope-Id: e2e-2",
                          b"Original-Recipient: rfc822;bob@b.test",
                          b"Final-Recipient: rfc822; bob@b.test", b"Status: 2.0.0",
                          b"Content-Type: text/rfc822-headers", b"Subject: success"):
                expect(field in report, f"no {field!r} in\n{report.decode(errors='replace')}")
            expect(not any(b"Action: relayed" in m for m in bounces(a, "alice@a.test", alice_pw)),
                   "A reported a relay to a server that offers DSN")
            wait_for("B's report leaving its queue", lambda: queue_empty(b))

            # NOTIFY=SUCCESS to a user of A: A reports the delivery into alice's own mailbox.
            submit(a, "alice@a.test", alice_pw, ["carol@a.test"], "local",
                   rcpt_options=["NOTIFY=SUCCESS,FAILURE"])
            expect(len(inbox(a, "carol@a.test", carol_pw)) == 1, "carol has no message")
            local = [m for m in bounces(a, "alice@a.test", alice_pw)
                     if b"Final-Recipient: rfc822; carol@a.test" in m]
            expect(len(local) == 1, f"{len(local)} reports for carol, at once after the 250")
            expect(b"Action: delivered" in local[0] and b"Reporting-MTA: dns; mail.a.test"
                   in local[0], local[0])
            expect(queue_empty(a), "a report for a local sender went to the queue")


def test_relayed_and_expanded_reports():
    with DNSServer(ZONE) as dns, SMTPSink("127.0.0.4") as sink:
        a = instance("a.test", "127.0.0.2", dns.port)
        with a:
            alice_pw = add_user(a, "alice@a.test")
            carol_pw = add_user(a, "carol@a.test")

            # A server without DSN: A sends no DSN parameters there and reports "relayed".
            submit(a, "alice@a.test", alice_pw, ["dave@d.test"], "relay",
                   mail_options=["ENVID=e2e-3"], rcpt_options=["NOTIFY=SUCCESS"])
            got = wait_for("delivery to the sink", sink.received)
            expect(len(got) == 1 and got[0]["rcpts"] == ["RCPT TO:<dave@d.test>"],
                   f"DSN parameters sent to a server without DSN: {got}")
            expect("ENVID" not in got[0]["mail"] and "RET" not in got[0]["mail"], got[0])
            relayed = wait_for("the relayed report", lambda: [
                m for m in bounces(a, "alice@a.test", alice_pw) if b"Action: relayed" in m])
            expect(len(relayed) == 1, f"{len(relayed)} relayed reports")
            for field in (b"Final-Recipient: rfc822; dave@d.test", b"Status: 2.0.0",
                          b"Original-Envelope-Id: e2e-3", b"Reporting-MTA: dns; mail.a.test"):
                expect(field in relayed[0], f"no {field!r} in\n{relayed[0].decode(errors='replace')}")
            wait_for("the relayed recipient leaving the queue", lambda: queue_empty(a))

            # An alias with a local and a remote target: one "expanded" report for the
            # address alice wrote; carol's copy and dave's relay are not reported again.
            r = run_cli("alias", "add", "team@a.test", "carol@a.test", "dave@d.test",
                        config=a.config, env=ENV)
            expect(r.returncode == 0, r.stderr)
            submit(a, "alice@a.test", alice_pw, ["team@a.test"], "team",
                   rcpt_options=["NOTIFY=SUCCESS,FAILURE"])
            expect(len(inbox(a, "carol@a.test", carol_pw)) == 1, "carol has no copy")
            got = wait_for("the alias copy at the sink", lambda: sink.received()[1:])
            expect(got[0]["rcpts"] == ["RCPT TO:<dave@d.test>"], got[0])
            wait_for("the alias recipient leaving the queue", lambda: queue_empty(a))
            reports = bounces(a, "alice@a.test", alice_pw)
            expanded = [m for m in reports if b"Action: expanded" in m]
            expect(len(expanded) == 1, f"{len(expanded)} expanded reports")
            expect(b"Final-Recipient: rfc822; team@a.test" in expanded[0], expanded[0])
            expect(len(reports) == 2, f"reports besides relayed and expanded: {len(reports)}")
