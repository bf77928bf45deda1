#!/usr/bin/env python3
"""A small authoritative-style DNS server for the end-to-end tests (Python 3
standard library only). It answers UDP and TCP on one loopback address and port
from a zone given as a JSON file or a Python dict, so Posta's resolver can be
pointed at it with `dns.servers = ["127.0.0.1:PORT"]`.

Zone format (JSON object; every key but "records" is optional):

    {
      "ttl": 300,                      # TTL of every answer
      "negative_ttl": 60,              # SOA minimum in NXDOMAIN/NODATA answers
      "records": {
        "example.test":     {"MX": [[10, "mx.example.test"]],
                             "TXT": ["v=spf1 mx -all", ["two", "strings"]]},
        "mx.example.test":  {"A": ["127.0.0.2"], "AAAA": ["::1"]},
        "nomail.test":      {"MX": [[0, "."]]},            # null MX (RFC 7505)
        "www.example.test": {"CNAME": "example.test"},
        "2.0.0.127.in-addr.arpa": {"PTR": ["mx.example.test"]}
      },
      "truncate": ["big.example.test"],  # UDP answers carry TC and no records
      "servfail": ["broken.test"],       # answer SERVFAIL
      "drop":     ["silent.test"]        # never answer (to test timeouts)
    }

"truncate", "servfail" and "drop" apply to the names listed and every name
below them.

A name absent from "records" (and not a parent of one) is NXDOMAIN; a name
without the type asked is NODATA. Both carry an SOA so resolvers can cache
them. CNAMEs are followed inside the zone as a recursive server would. A TXT
value given as a string is split into 255-octet strings. UDP replies larger than
the client's EDNS payload size (512 without EDNS) are truncated with TC set.

Command line:

    dnsserver.py --listen 127.0.0.1:0 --zone zone.json [--truncate NAME]...
                 [--port-file PATH] [--exit-on-stdin-eof]

prints `dnsserver: listening on HOST:PORT` (flushed) once both sockets are
bound, writes the port to --port-file if given, and serves until SIGTERM or
SIGINT (unblocked at start: a parent may have left them blocked), or, with
--exit-on-stdin-eof, until its standard input closes, so it never outlives a
test process that dies. From Python: `with DNSServer(zone_dict) as s: ... s.port ...`;
`s.set_zone(new)` swaps the zone while running; `s.queries` lists
(transport, name, type) of the queries seen.
"""

import argparse
import ipaddress
import json
import os
import signal
import socket
import struct
import sys
import threading

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28}
TYPE_NAMES = {v: k for k, v in TYPES.items()}
OPT = 41
NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP = 0, 1, 2, 3, 4


class FormatError(Exception):
    pass


def norm(name):
    name = name.strip().lower()
    return name[:-1] if name.endswith(".") and name != "." else name


def encode_name(name):
    name = norm(name)
    if name in (".", ""):
        return b"\x00"
    out = b""
    for label in name.split("."):
        raw = label.encode()
        if not 0 < len(raw) < 64:
            raise ValueError(f"bad label in {name!r}")
        out += bytes([len(raw)]) + raw
    return out + b"\x00"


def read_name(data, offset):
    """Reads a possibly compressed name; returns (text, offset after it)."""
    labels, jumped, end, start, hops = [], False, None, offset, 0
    while True:
        if offset >= len(data):
            raise FormatError("name runs past the message")
        n = data[offset]
        if n == 0:
            offset += 1
            break
        if n & 0xC0 == 0xC0:
            if offset + 1 >= len(data):
                raise FormatError("truncated pointer")
            target = ((n & 0x3F) << 8) | data[offset + 1]
            hops += 1
            if target >= start or hops > 64:
                raise FormatError("bad compression pointer")
            if not jumped:
                end = offset + 2
            jumped, offset, start = True, target, target
            continue
        if n > 63:
            raise FormatError("bad label")
        labels.append(data[offset + 1:offset + 1 + n].decode("latin-1"))
        offset += 1 + n
    return (".".join(labels) or "."), (end if jumped else offset)


def rdata(rtype, value):
    if rtype == "A":
        return ipaddress.IPv4Address(value).packed
    if rtype == "AAAA":
        return ipaddress.IPv6Address(value).packed
    if rtype in ("CNAME", "PTR", "NS"):
        return encode_name(value)
    if rtype == "MX":
        pref, host = value
        return struct.pack("!H", int(pref)) + encode_name(host)
    if rtype == "TXT":
        if isinstance(value, str):
            raw = value.encode()
            parts = [raw[i:i + 255] for i in range(0, len(raw), 255)] or [b""]
        else:
            parts = [p.encode() for p in value]
        return b"".join(bytes([len(p)]) + p for p in parts)
    raise ValueError(f"unsupported record type {rtype}")


def record(owner, rtype, ttl, data):
    return encode_name(owner) + struct.pack("!HHIH", TYPES[rtype], 1, ttl, len(data)) + data


def covered(name, names):
    """Whether name is one of names or lies below one of them."""
    return any(name == n or name.endswith("." + n) for n in names)


class Zone:
    def __init__(self, zone):
        self.ttl = int(zone.get("ttl", 300))
        self.negative_ttl = int(zone.get("negative_ttl", 60))
        self.records = {norm(k): v for k, v in zone.get("records", {}).items()}
        self.truncate = {norm(n) for n in zone.get("truncate", [])}
        self.servfail = {norm(n) for n in zone.get("servfail", [])}
        self.drop = {norm(n) for n in zone.get("drop", [])}

    def exists(self, name):
        return name in self.records or any(k.endswith("." + name) for k in self.records)

    def soa(self, name):
        labels = name.split(".")
        apex = ".".join(labels[-2:]) if len(labels) >= 2 else name
        data = (encode_name("ns." + apex) + encode_name("hostmaster." + apex)
                + struct.pack("!IIIII", 1, 3600, 600, 86400, self.negative_ttl))
        return record(apex, "SOA", self.negative_ttl, data)

    def answer(self, qname, qtype):
        """Returns (rcode, answer records, authority records)."""
        name = norm(qname)
        if covered(name, self.servfail):
            return SERVFAIL, [], []
        answers = []
        for _ in range(9):
            entry = self.records.get(name)
            if entry is None:
                if self.exists(name):
                    return NOERROR, answers, [self.soa(name)]
                return NXDOMAIN, answers, [self.soa(name)]
            want = TYPE_NAMES.get(qtype)
            if "CNAME" in entry and want != "CNAME":
                answers.append(record(name, "CNAME", self.ttl, rdata("CNAME", entry["CNAME"])))
                name = norm(entry["CNAME"])
                continue
            values = entry.get(want, []) if want else []
            if want == "CNAME" and values:
                values = [values]
            if not values:
                return NOERROR, answers, [self.soa(name)]
            for v in values:
                answers.append(record(name, want, self.ttl, rdata(want, v)))
            return NOERROR, answers, []
        return SERVFAIL, [], []  # CNAME chain too long or looping


def parse_query(data):
    if len(data) < 12:
        raise FormatError("short header")
    qid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", data[:12])
    if flags & 0x8000 or qd != 1:
        raise FormatError("not a single-question query")
    qname, off = read_name(data, 12)
    if off + 4 > len(data):
        raise FormatError("truncated question")
    qtype, qclass = struct.unpack("!HH", data[off:off + 4])
    question = data[12:off + 4]
    off += 4
    payload = None
    for _ in range(an + ns + ar):
        _, off = read_name(data, off)
        if off + 10 > len(data):
            raise FormatError("truncated record")
        rtype, rclass, _, rdlen = struct.unpack("!HHIH", data[off:off + 10])
        off += 10 + rdlen
        if rtype == OPT:
            payload = max(512, rclass)
    return qid, flags, qname, qtype, question, payload


class DNSServer:
    def __init__(self, zone, host="127.0.0.1", port=0):
        self.zone = Zone(zone)
        self.host = host
        self.queries = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        for _ in range(20):
            self.udp = socket.socket(fam, socket.SOCK_DGRAM)
            self.udp.bind((host, port))
            self.port = self.udp.getsockname()[1]
            self.tcp = socket.socket(fam, socket.SOCK_STREAM)
            self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                self.tcp.bind((host, self.port))
                break
            except OSError:
                self.udp.close()
                self.tcp.close()
                if port != 0:
                    raise
        else:
            raise OSError("no port free for both UDP and TCP")
        self.tcp.listen(16)
        self.udp.settimeout(0.2)
        self.tcp.settimeout(0.2)
        self._threads = []

    def set_zone(self, zone):
        with self._lock:
            self.zone = Zone(zone)

    def reply(self, data, transport):
        """The reply to one query, or None to stay silent."""
        try:
            qid, flags, qname, qtype, question, payload = parse_query(data)
        except FormatError:
            if len(data) < 12:
                return None
            qid = struct.unpack("!H", data[:2])[0]
            return struct.pack("!HHHHHH", qid, 0x8000 | FORMERR, 0, 0, 0, 0)
        with self._lock:
            zone = self.zone
            self.queries.append((transport, norm(qname), TYPE_NAMES.get(qtype, str(qtype))))
        name = norm(qname)
        if covered(name, zone.drop):
            return None
        opcode = (flags >> 11) & 0xF
        if opcode != 0:
            return struct.pack("!HHHHHH", qid, 0x8000 | (opcode << 11) | NOTIMP, 1, 0, 0, 0) + question
        rcode, answers, authority = zone.answer(qname, qtype)
        opt = b"\x00" + struct.pack("!HHIH", OPT, 1232, 0, 0) if payload else b""
        rd = flags & 0x0100
        head_flags = 0x8000 | 0x0400 | rd | 0x0080 | rcode
        limit = payload or 512
        body = b"".join(answers) + b"".join(authority)
        size = 12 + len(question) + len(body) + len(opt)
        if transport == "udp" and (covered(name, zone.truncate) or size > limit):
            return struct.pack("!HHHHHH", qid, head_flags | 0x0200, 1, 0, 0, 1 if opt else 0) + question + opt
        return (struct.pack("!HHHHHH", qid, head_flags, 1, len(answers), len(authority), 1 if opt else 0)
                + question + body + opt)

    def _serve_udp(self):
        while not self._stop.is_set():
            try:
                data, peer = self.udp.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            out = self.reply(data, "udp")
            if out is not None:
                try:
                    self.udp.sendto(out, peer)
                except OSError:
                    pass

    def _serve_tcp_conn(self, conn):
        conn.settimeout(5)
        with conn:
            try:
                while True:
                    head = self._recv_exactly(conn, 2)
                    if head is None:
                        return
                    data = self._recv_exactly(conn, struct.unpack("!H", head)[0])
                    if data is None:
                        return
                    out = self.reply(data, "tcp")
                    if out is None:
                        return
                    conn.sendall(struct.pack("!H", len(out)) + out)
            except OSError:
                return

    @staticmethod
    def _recv_exactly(conn, n):
        buf = b""
        while len(buf) < n:
            chunk = conn.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf

    def _serve_tcp(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.tcp.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve_tcp_conn, args=(conn,), daemon=True).start()

    def start(self):
        for target in (self._serve_udp, self._serve_tcp):
            t = threading.Thread(target=target, daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self):
        self._stop.set()
        for t in self._threads:
            t.join(timeout=2)
        self.udp.close()
        self.tcp.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def address(self):
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def main():
    ap = argparse.ArgumentParser(description="test DNS server (loopback only)")
    ap.add_argument("--listen", default="127.0.0.1:0", help="HOST:PORT or [V6]:PORT; port 0 picks one")
    ap.add_argument("--zone", required=True, help="zone JSON file (see the module docstring)")
    ap.add_argument("--truncate", action="append", default=[], help="set TC on UDP answers for NAME")
    ap.add_argument("--port-file", help="write the bound port here once listening")
    ap.add_argument("--exit-on-stdin-eof", action="store_true",
                    help="stop when standard input reaches end of file (the parent went away)")
    args = ap.parse_args()
    host, _, port = args.listen.rpartition(":")
    host = host.strip("[]")
    if not (ipaddress.ip_address(host).is_loopback):
        print(f"dnsserver: refusing to listen on non-loopback {host}", file=sys.stderr)
        return 2
    with open(args.zone) as f:
        zone = json.load(f)
    zone.setdefault("truncate", []).extend(args.truncate)
    server = DNSServer(zone, host, int(port)).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    if args.exit_on_stdin_eof:
        def watch():
            while sys.stdin.buffer.read(4096):
                pass
            stop.set()
        threading.Thread(target=watch, daemon=True).start()
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{server.port}\n")
        os.replace(tmp, args.port_file)
    print(f"dnsserver: listening on {server.address}", flush=True)
    while not stop.wait(0.5):
        pass
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
