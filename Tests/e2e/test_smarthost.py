"""Outbound mail through a smarthost: instance A (a.test, 127.0.0.2) relays
everything through instance B's submission port (127.0.0.3) with STARTTLS,
certificate verification against B's self-signed certificate (`ca_file`) and
AUTH as a user of B. The recipient's domain, c.test, is hosted by B and has no
DNS records at all, so A can only have reached it through the smarthost (an MX
lookup would end in NXDOMAIN and a bounce). With a CA that did not issue B's
certificate the message stays deferred with a clear last reply (and, with a
short delay_warning, the sender gets one "Action: delayed" notice), and goes
out once the right CA is configured. Also covers how check-config and serve
treat the password file and [dns] servers. No port 25 is used: nothing here
goes by MX."""

import os
import re

from dnsserver import DNSServer
from harness import PostaServer, expect, free_port, run_cli
from test_outbound import inbox, submit, wait_for
from test_smtp import add_user

ZONE = {
    "ttl": 5,
    "negative_ttl": 5,
    "records": {
        "a.test": {"MX": [[10, "mail.a.test"]]},
        "mail.a.test": {"A": ["127.0.0.2"]},
        "b.test": {"MX": [[10, "mail.b.test"]]},
        "mail.b.test": {"A": ["127.0.0.3"]},
    },
}

RELAY_PASSWORD = "relay-Secret-" + "z" * 12


def write_secret(path, text, mode):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def relay_b():
    """B: hosts b.test (the relay account) and c.test (the recipient). It relays for
    its authenticated users whatever their envelope sender."""
    host = "127.0.0.3"
    ports = {"submission": free_port(host), "pop3": free_port(host)}
    return PostaServer(domains=["b.test", "c.test"], host=host, services=list(ports),
                       ports=ports, hostname="mail.b.test",
                       extra="[smtp]\nrequire_sender_ownership = false\n")


def sender_a(dns_port, b, ca_file, password_file):
    host = "127.0.0.2"
    ports = {"submission": free_port(host), "pop3": free_port(host)}
    srv = PostaServer(domains=["a.test"], host=host, services=list(ports), ports=ports,
                      hostname="mail.a.test")
    set_smarthost(srv, dns_port, b, ca_file, password_file)
    return srv


def set_smarthost(srv, dns_port, b, ca_file, password_file, delay_warning="4h"):
    srv.extra = (f'[dns]\nservers = ["127.0.0.1:{dns_port}"]\n\n'
                 '[delivery]\nretry_intervals = ["1s", "2s"]\n'
                 f'delay_warning = "{delay_warning}"\n\n'
                 "[delivery.smarthost]\n"
                 f'host = "mail.b.test:{b.ports["submission"]}"\n'
                 'username = "bob@b.test"\n'
                 f'password_file = "{password_file}"\n'
                 'tls = "verify"\n'
                 f'ca_file = "{ca_file}"\n')
    srv.write_config()


def queue_list(srv):
    r = run_cli("queue", "list", config=srv.config)
    expect(r.returncode == 0, r.stderr)
    return r.stdout


def test_check_config_guards_the_password_file():
    srv = PostaServer(domains=["a.test"], services=["submission"])
    secret = os.path.join(srv.tmp, "etc", "relay.pass")
    write_secret(secret, RELAY_PASSWORD + "\n", 0o644)
    srv.extra = ("[delivery.smarthost]\n"
                 'host = "[smtp.provider.test]:2525"\n'
                 'username = "me@provider.test"\n'
                 'password_file = "relay.pass"\n'
                 'domains = ["elsewhere.test"]\n')
    srv.write_config()
    line = next(i + 1 for i, text in enumerate(open(srv.config).read().splitlines())
                if text.startswith("password_file"))

    r = run_cli("check-config", config=srv.config)
    expect(r.returncode == 78, (r.returncode, r.stderr))
    expect(f"posta.conf:{line}: [delivery.smarthost] password_file:" in r.stderr
           and "chmod 600" in r.stderr and "0644" in r.stderr, r.stderr)
    # serve refuses it too, before listening.
    r = run_cli("serve", config=srv.config, timeout=30)
    expect(r.returncode == 78 and "chmod 600" in r.stderr, (r.returncode, r.stderr))

    os.chmod(secret, 0o600)
    r = run_cli("check-config", "--verbose", config=srv.config)
    expect(r.returncode == 0, (r.returncode, r.stderr))
    expect("delivery.smarthost = smtp.provider.test:2525" in r.stdout
           and "delivery.smarthost.tls = verify" in r.stdout
           and f"me@provider.test, password in {secret}" in r.stdout
           and "delivery.smarthost.domains = elsewhere.test" in r.stdout
           and "delivery.delay_warning = 14400s" in r.stdout, r.stdout)
    expect(RELAY_PASSWORD not in r.stdout + r.stderr, "check-config printed the password")

    # A bad [dns] servers entry is caught here too, with its line, not by serve later.
    srv.extra = '[dns]\nservers = ["127.0.0.1:53",\n  "ns1.provider.test"]\n'
    srv.write_config()
    line = next(i + 1 for i, text in enumerate(open(srv.config).read().splitlines())
                if "ns1.provider.test" in text)
    r = run_cli("check-config", config=srv.config)
    expect(r.returncode == 78 and f"posta.conf:{line}: [dns] servers:" in r.stderr
           and "must be an IP address" in r.stderr, (r.returncode, r.stderr))


def test_relay_through_smarthost_with_verified_tls_and_auth():
    with DNSServer(ZONE) as dns:
        b = relay_b()
        with b:
            add_user(b, "bob@b.test", RELAY_PASSWORD)
            carol_pw = add_user(b, "carol@c.test")
            b_cert = os.path.join(b.data_dir, "tls", "cert.pem")
            expect(os.path.exists(b_cert), "B made no self-signed certificate")

            a = sender_a(dns.port, b, b_cert, "relay.pass")
            write_secret(os.path.join(a.tmp, "etc", "relay.pass"), RELAY_PASSWORD + "\n", 0o600)
            r = run_cli("check-config", config=a.config)
            expect(r.returncode == 0, r.stderr)
            with a:
                alice_pw = add_user(a, "alice@a.test")

                # Through B: verified STARTTLS, AUTH as bob, then B delivers to its own c.test.
                submit(a, "alice@a.test", alice_pw, ["carol@c.test"], "relayed")
                got = wait_for("delivery through the smarthost",
                               lambda: inbox(b, "carol@c.test", carol_pw))
                raw = got[0]
                unfolded = re.sub(rb"\r\n[ \t]+", b" ", raw)
                expect(re.search(rb"Received: from mail\.a\.test .*by mail\.b\.test .*"
                                 rb"with ESMTPSA", unfolded),
                       f"B's Received does not show an authenticated TLS submission from A:\n"
                       f"{raw.decode(errors='replace')}")
                expect(b"Subject: relayed" in raw, raw)
                wait_for("an empty queue at A", lambda: "Queue is empty" in queue_list(a))

                # A CA that did not issue B's certificate: deferred, with the reason, and
                # (delay_warning being short here) the sender is told once.
                a.stop()
                a_cert = os.path.join(a.data_dir, "tls", "cert.pem")
                set_smarthost(a, dns.port, b, a_cert, "relay.pass", delay_warning="3s")
                a.start()
                submit(a, "alice@a.test", alice_pw, ["carol@c.test"], "wrongca")

                def deferred():
                    out = queue_list(a)
                    return "deferred" in out and "last reply" in out and out
                listing = wait_for("a deferred entry at A", deferred)
                expect("carol@c.test" in listing, listing)
                expect(re.search(r"last reply: .*4\.7\.5.*TLS handshake with mail\.b\.test "
                                 r"failed.*certificate", listing, re.I | re.S),
                       f"the last reply does not say the certificate failed:\n{listing}")
                expect(len(inbox(b, "carol@c.test", carol_pw)) == 1, "sent despite a bad CA")
                warning = wait_for("a delay warning to alice", lambda: [
                    m for m in inbox(a, "alice@a.test", alice_pw)
                    if b"multipart/report" in m and b"Action: delayed" in m])[0]
                expect(b"carol@c.test" in warning and b"4.7.5" in warning, warning)

                # The right CA again: the retry schedule brings it over.
                a.stop()
                set_smarthost(a, dns.port, b, b_cert, "relay.pass")
                a.start()
                wait_for("delivery once the CA is right",
                         lambda: len(inbox(b, "carol@c.test", carol_pw)) == 2)
                wait_for("an empty queue at A", lambda: "Queue is empty" in queue_list(a))
                notices = [m for m in inbox(a, "alice@a.test", alice_pw)
                           if b"multipart/report" in m]
                expect(len(notices) == 1, f"expected only the delay warning, got {len(notices)}")

            for srv in (a, b):
                expect(RELAY_PASSWORD not in srv.log_text(),
                       f"the relay password appears in {srv.hostname}'s log")
