"""A minimal SMTP receiver for e2e tests: a server that offers no DSN (RFC 3461), as
many do, so Posta must relay without the DSN parameters and report "relayed" itself.
It keeps every transaction (envelope lines as received, and the message)."""

import socket
import threading


class SMTPSink:
    def __init__(self, host, port=25, extensions=("8BITMIME", "SMTPUTF8", "PIPELINING")):
        self.host, self.port, self.extensions = host, port, list(extensions)
        self.transactions = []  # {"mail": line, "rcpts": [lines], "data": bytes}
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(16)
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.sock.close()

    def received(self):
        with self.lock:
            return list(self.transactions)

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        f = conn.makefile("rb")
        conn.sendall(b"220 sink.test ESMTP test sink\r\n")
        current = None
        try:
            for raw in f:
                line = raw.rstrip(b"\r\n").decode("utf-8", "replace")
                verb = line.split(" ", 1)[0].upper()
                if verb == "EHLO":
                    lines = ["sink.test"] + self.extensions
                    out = "".join(f"250-{l}\r\n" for l in lines[:-1]) + f"250 {lines[-1]}\r\n"
                    conn.sendall(out.encode())
                elif verb == "HELO":
                    conn.sendall(b"250 sink.test\r\n")
                elif verb == "MAIL":
                    current = {"mail": line, "rcpts": [], "data": b""}
                    conn.sendall(b"250 2.1.0 ok\r\n")
                elif verb == "RCPT":
                    current["rcpts"].append(line)
                    conn.sendall(b"250 2.1.5 ok\r\n")
                elif verb == "DATA":
                    conn.sendall(b"354 go on\r\n")
                    data = b""
                    for body in f:
                        if body == b".\r\n":
                            break
                        data += body[1:] if body.startswith(b"..") else body
                    current["data"] = data
                    with self.lock:
                        self.transactions.append(current)
                    conn.sendall(b"250 2.0.0 kept\r\n")
                elif verb == "RSET":
                    current = None
                    conn.sendall(b"250 ok\r\n")
                elif verb == "QUIT":
                    conn.sendall(b"221 bye\r\n")
                    break
                else:
                    conn.sendall(b"502 5.5.1 not here\r\n")
        finally:
            conn.close()
