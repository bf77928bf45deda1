"""The foundation: every listener accepts, implicit TLS with the right
certificate per host name, reload on SIGHUP, PROXY protocol, clean shutdown."""

import os
import signal
import socket
import ssl
import subprocess
import time

import harness
from harness import PostaServer, connect, expect


def cert_names(der):
    """DNS and IP names in a DER certificate, via the ssl module's decoder."""
    import tempfile
    pem = ssl.DER_cert_to_PEM_cert(der)
    with tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False) as f:
        f.write(pem)
    try:
        info = ssl._ssl._test_decode_cert(f.name)
    finally:
        os.unlink(f.name)
    return {v for (k, v) in info.get("subjectAltName", ())}


def tls_handshake(host, port, server_name):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with connect(host, port) as raw:
        with ctx.wrap_socket(raw, server_hostname=server_name) as s:
            return s.version(), s.getpeercert(binary_form=True)


def closes_soon(s, timeout=10):
    s.settimeout(timeout)
    try:
        return s.recv(100) == b""
    except ConnectionResetError:
        return True


def test_every_listener_accepts_and_tls_names():
    with PostaServer(domains=("example.test", "other.test")) as srv:
        for svc in harness.SERVICES:
            port = srv.ports[svc]
            if svc in harness.IMPLICIT_TLS:
                for sni in ("imap.example.test", "pop3.other.test", "smtp.example.test"):
                    version, der = tls_handshake("127.0.0.1", port, sni)
                    expect(version in ("TLSv1.2", "TLSv1.3"), f"{svc}: {version}")
                    names = cert_names(der)
                    expect(sni in names, f"{svc}: {sni} not in certificate names {names}")
                    for n in ("localhost", "127.0.0.1", "mail.example.test", "imap.other.test"):
                        expect(n in names, f"{n} missing from {names}")
            else:
                with connect("127.0.0.1", port) as s:
                    pass
        # The self-signed certificate lives under data_dir/tls and is reused.
        cert = os.path.join(srv.data_dir, "tls", "cert.pem")
        expect(os.path.exists(cert), "no self-signed certificate under data_dir/tls")
        mtime = os.path.getmtime(cert)
        expect(srv.stop() == 0, "serve did not exit 0 on SIGTERM:\n" + srv.log_text())
        srv.start()
        expect(os.path.getmtime(cert) == mtime, "certificate regenerated although names unchanged")
        expect(srv.stop() == 0, srv.log_text())


def test_old_tls_versions_refused():
    with PostaServer(services=["imaps"]) as srv:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        try:
            ctx.minimum_version = ssl.TLSVersion.TLSv1
            ctx.maximum_version = ssl.TLSVersion.TLSv1_1
            ctx.set_ciphers("ALL:@SECLEVEL=0")
        except (ValueError, ssl.SSLError):
            print("  skipped: this Python/OpenSSL cannot offer TLS 1.1")
            return
        with connect("127.0.0.1", srv.ports["imaps"]) as raw:
            try:
                ctx.wrap_socket(raw, server_hostname="imap.example.test")
                raise AssertionError("TLS 1.1 handshake succeeded")
            except (ssl.SSLError, ConnectionResetError, OSError):
                pass


def test_sighup_reload_adds_domain_certificate():
    with PostaServer(domains=("example.test",), services=["imaps", "smtp"]) as srv:
        _, der = tls_handshake("127.0.0.1", srv.ports["imaps"], "imap.new.test")
        expect("imap.new.test" not in cert_names(der), "new domain known before reload")
        # A broken file on reload keeps the old configuration.
        good = open(srv.config).read()
        with open(srv.config, "w") as f:
            f.write(good + "\n[bogus_table]\n")
        srv.signal(signal.SIGHUP)
        wait_for(lambda: "reload" in srv.log_text() and "bogus_table" in srv.log_text(), srv)
        _, der = tls_handshake("127.0.0.1", srv.ports["imaps"], "imap.example.test")
        expect("imap.example.test" in cert_names(der), "old config lost after a failed reload")
        # A good reload adds the domain; an open connection survives it.
        held = connect("127.0.0.1", srv.ports["smtp"])
        srv.domains.append("new.test")
        srv.write_config()
        srv.signal(signal.SIGHUP)
        wait_for(lambda: srv.log_text().count("event=reloaded") >= 1, srv)
        _, der = tls_handshake("127.0.0.1", srv.ports["imaps"], "imap.new.test")
        expect("imap.new.test" in cert_names(der), "reload did not pick up the new domain")
        held.close()
        expect(srv.stop() == 0, srv.log_text())


def wait_for(cond, srv, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError("timed out; log:\n" + srv.log_text())


def test_proxy_protocol_from_trusted_only():
    extra_listen = ""
    with PostaServer(services=["smtp"], extra="") as srv:
        srv.stop()
        # Rewrite the config with trusted_proxies inside [listen].
        text = open(srv.config).read().replace("[listen]\n",
                                               '[listen]\ntrusted_proxies = ["127.0.0.1/32"]\n')
        with open(srv.config, "w") as f:
            f.write(text)
        srv.start()
        port = srv.ports["smtp"]
        # v1 from the trusted proxy: the logged client is the one in the header.
        with connect("127.0.0.1", port) as s:
            s.sendall(b"PROXY TCP4 127.9.9.9 127.0.0.1 40000 25\r\n")
            closes_soon(s)
        wait_for(lambda: "client=127.9.9.9" in srv.log_text(), srv)
        # v2 from the trusted proxy.
        v2 = (b"\r\n\r\n\x00\r\nQUIT\n" + bytes([0x21, 0x11, 0x00, 12]) +
              bytes([127, 8, 8, 8, 127, 0, 0, 1]) + (41000).to_bytes(2, "big") + (25).to_bytes(2, "big"))
        with connect("127.0.0.1", port) as s:
            s.sendall(v2)
            closes_soon(s)
        wait_for(lambda: "client=127.8.8.8" in srv.log_text(), srv)
        # From an untrusted address, a PROXY header is refused.
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.2", 0))
        s.settimeout(10)
        s.connect(("127.0.0.1", port))
        s.sendall(b"PROXY TCP4 127.7.7.7 127.0.0.1 40000 25\r\n")
        closes_soon(s)
        s.close()
        time.sleep(0.3)
        expect("client=127.7.7.7" not in srv.log_text(), "untrusted PROXY header was believed")
        expect(srv.stop() == 0, srv.log_text())


def test_connection_limit_per_ip():
    # `posta hold` keeps connections open on the same accept loop and limiter
    # that serve uses; the protocols add their "too busy" replies.
    srv = PostaServer(services=["pop3"], extra="[limits]\nmax_connections_per_ip = 3\n")
    port = harness.free_port()
    log = open(srv.log_path, "ab")
    proc = subprocess.Popen([harness.POSTA, "--config", srv.config, "hold", "--listen",
                             f"127.0.0.1:{port}"], stdout=log, stderr=log)
    try:
        wait_for(lambda: "event=ready" in srv.log_text(), srv)
        held = [connect("127.0.0.1", port) for _ in range(3)]
        time.sleep(0.3)
        with connect("127.0.0.1", port) as s:
            expect(closes_soon(s), "fourth connection was not closed")
        wait_for(lambda: "connection limit reached" in srv.log_text(), srv)
        # Another address is not affected by 127.0.0.1's connections.
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.2", 0))
        s.connect(("127.0.0.1", port))
        s.settimeout(0.5)
        try:
            data = s.recv(1)
            expect(False, f"connection from 127.0.0.2 was closed ({data!r})")
        except socket.timeout:
            pass
        s.close()
        for h in held:
            h.close()
        proc.send_signal(signal.SIGTERM)
        expect(proc.wait(20) == 0, "hold did not exit 0")
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()


def test_sigterm_with_open_connections_exits_zero():
    extra = "[limits]\nshutdown_timeout = \"2s\"\n"
    with PostaServer(services=["smtp", "imaps"], extra=extra) as srv:
        held = [connect("127.0.0.1", srv.ports["smtp"]) for _ in range(5)]
        t0 = time.time()
        code = srv.stop()
        expect(code == 0, f"exit {code}:\n" + srv.log_text())
        expect(time.time() - t0 < 10, "shutdown took longer than the grace period allows")
        for h in held:
            h.close()


def test_port_in_use_fails_before_ready():
    blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    port = blocker.getsockname()[1]
    try:
        srv = PostaServer(services=["smtp"], ports={"smtp": port})
        srv.start(wait=False)
        code = srv.proc.wait(30)
        expect(code == 71, f"exit {code}, want 71 (EX_OSERR):\n{srv.log_text()}")
        expect(f"127.0.0.1:{port}" in srv.log_text() and "smtp" in srv.log_text(), srv.log_text())
        expect("event=ready" not in srv.log_text(), "reported ready without its listener")
    finally:
        blocker.close()


def test_hold_sessions_cut_after_grace_period():
    srv = PostaServer(services=["pop3"], extra='[limits]\nshutdown_timeout = "1s"\n')
    port = harness.free_port()
    log = open(srv.log_path, "ab")
    proc = subprocess.Popen([harness.POSTA, "--config", srv.config, "hold", "--listen",
                             f"localhost:{port}"], stdout=log, stderr=log)
    try:
        wait_for(lambda: "event=ready" in srv.log_text(), srv)
        held = [connect("127.0.0.1", port) for _ in range(5)]
        time.sleep(0.2)
        t0 = time.time()
        proc.send_signal(signal.SIGTERM)
        expect(proc.wait(20) == 0, "hold did not exit 0:\n" + srv.log_text())
        expect(time.time() - t0 < 8, "shutdown took far longer than shutdown_timeout")
        for h in held:
            expect(closes_soon(h, 5), "a held connection stayed open after shutdown")
            h.close()
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()
