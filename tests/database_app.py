"""The app the database image tests deploy: it counts hits in its linked database.

Run in a container made from the host's python3 with the standard library only, so
it speaks the two protocols itself: RESP to ``REDIS_URL`` (``INCR hits``) or, when
only ``DATABASE_URL`` is set, PostgreSQL's protocol with SCRAM-SHA-256 (an insert,
then the count). ``/probe/PORT`` says whether a host loopback port is open to it.
"""

import base64
import hashlib
import hmac
import http.server
import os
import socket
import struct
import urllib.parse


def redis(*commands):
    url = urllib.parse.urlsplit(os.environ["REDIS_URL"])
    replies = []
    with socket.create_connection((url.hostname, url.port), 5) as connection:
        stream = connection.makefile("rwb")
        for command in [("AUTH", urllib.parse.unquote(url.password)), *commands]:
            stream.write(f"*{len(command)}\r\n".encode() + b"".join(
                f"${len(part)}\r\n{part}\r\n".encode() for part in command))
            stream.flush()
            replies.append(stream.readline().decode().strip())
    return replies[1:]


class Postgres:
    """Just enough of PostgreSQL's protocol: startup, SCRAM-SHA-256, one simple query."""

    def __init__(self, url):
        self.url = urllib.parse.urlsplit(url)
        self.connection = socket.create_connection((self.url.hostname, self.url.port), 5)

    def read(self, size):
        data = b""
        while len(data) < size:
            chunk = self.connection.recv(size - len(data))
            if not chunk:
                raise EOFError("the server closed the connection")
            data += chunk
        return data

    def receive(self):
        head = self.read(5)
        kind, body = head[:1], self.read(struct.unpack("!I", head[1:])[0] - 4)
        if kind == b"E":
            raise RuntimeError(body.decode(errors="replace"))
        return kind, body

    def send(self, kind, payload):
        self.connection.sendall(kind + struct.pack("!I", len(payload) + 4) + payload)

    def login(self):
        user, database = self.url.username, self.url.path[1:]
        password = urllib.parse.unquote(self.url.password).encode()
        startup = struct.pack("!I", 196608) + f"user\0{user}\0database\0{database}\0\0".encode()
        self.connection.sendall(struct.pack("!I", len(startup) + 4) + startup)
        first = f"n=,r={base64.b64encode(os.urandom(18)).decode()}"
        while True:
            kind, body = self.receive()
            if kind == b"Z":
                return
            code = struct.unpack("!I", body[:4])[0] if kind == b"R" else None
            if code == 10:  # SASL: SCRAM-SHA-256 offered
                message = f"n,,{first}".encode()
                self.send(b"p", b"SCRAM-SHA-256\0" + struct.pack("!I", len(message)) + message)
            elif code == 11:  # the server's first message: salt, iterations, nonce
                server = body[4:].decode()
                fields = dict(part.split("=", 1) for part in server.split(","))
                salted = hashlib.pbkdf2_hmac("sha256", password, base64.b64decode(fields["s"]),
                                             int(fields["i"]))
                client_key = hmac.new(salted, b"Client Key", "sha256").digest()
                final = f"c=biws,r={fields['r']}"
                signature = hmac.new(hashlib.sha256(client_key).digest(),
                                     f"{first},{server},{final}".encode(), "sha256").digest()
                proof = bytes(a ^ b for a, b in zip(client_key, signature, strict=True))
                self.send(b"p", f"{final},p={base64.b64encode(proof).decode()}".encode())

    def query(self, sql):
        """The first column of the last row ``sql`` returns."""
        self.send(b"Q", sql.encode() + b"\0")
        value = None
        while True:
            kind, body = self.receive()
            if kind == b"D":
                size = struct.unpack("!i", body[2:6])[0]
                value = body[6:6 + size].decode()
            elif kind == b"Z":
                return value

    def close(self):
        self.send(b"X", b"")
        self.connection.close()


def hit():
    if "REDIS_URL" in os.environ:
        return redis(("INCR", "hits"))[0]
    database = Postgres(os.environ["DATABASE_URL"])
    database.login()
    try:
        return database.query("CREATE TABLE IF NOT EXISTS hits (at timestamptz); "
                              "INSERT INTO hits VALUES (now()); SELECT count(*) FROM hits")
    finally:
        database.close()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/probe/"):  # can the app reach this port of the host?
            try:
                socket.create_connection(("127.0.0.1", int(self.path[7:])), 2).close()
                body = "open"
            except OSError:
                body = "closed"
        elif self.path == "/hit":
            body = hit()
        else:  # the health check
            body = "ok"
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body.encode())


if __name__ == "__main__":
    http.server.ThreadingHTTPServer(("0.0.0.0", int(os.environ["PORT"])),
                                    Handler).serve_forever()
