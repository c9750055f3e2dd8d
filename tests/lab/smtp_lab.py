#!/usr/bin/python3
"""SMTP relays of the lab on 127.0.0.1 (or the address lab_address.py takes in the bench's
private TAP namespace), under Debian's /usr/bin/python3 (aiosmtpd).

  smtp_lab.py --dir DIR --base-port N --cert CHAIN.pem --key KEY.pem [--max-seconds S]

Relays (port = base + offset), written to DIR/smtp.json:
  ok          STARTTLS (CHAIN.pem: relay.lab.test, the lab CA), then AUTH PLAIN LOGIN
              (only after TLS, as careful relays do)
  no-starttls AUTH PLAIN LOGIN in clear, no STARTTLS
  login-only  STARTTLS, then AUTH LOGIN only (no PLAIN)
  endless     a banner line that never ends
  chatty      a 1000-line EHLO reply
  self-signed STARTTLS with a self-signed certificate (pki/self-signed.*), AUTH PLAIN LOGIN
  other-name  STARTTLS with a lab-CA certificate for mail.other.test (pki/other-name.*)
              — what a man in the middle with some valid certificate presents
  tls13-only  as ok, but its STARTTLS accepts nothing older than TLS 1.3 (OpenSSL's
              tickets after the handshake: the relay a TLS 1.3 resumption meets)
Credentials: probe / secret. Received messages go to DIR/mail/*.eml. Every command
line an aiosmtpd relay receives is recorded, verb and whether it came over TLS
("AUTH tls", "EHLO clear"; never the arguments), in DIR/smtp-commands/<relay>.log.
"""
import argparse
import json
import os
import signal
import socket
import ssl
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

import lab_address

LOOPBACK = lab_address.listen_address()  # 127.0.0.1 but in the bench's TAP namespace
USER, PASSWORD = b"probe", b"secret"


class Handler:
    def __init__(self, directory):
        self.dir = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        # Written aside and renamed: a reader never sees half a message.
        path = os.path.join(self.dir, f"{self.count:04d}.eml")
        with open(path + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.replace(path + ".tmp", path)
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER and auth_data.password == PASSWORD
    return AuthResult(success=ok, handled=False)


class RecordingSMTP(SMTP):
    """Records the verb of every command it dispatches, before handling it."""

    def __init__(self, *args, log_path, log_lock, **kwargs):
        super().__init__(*args, **kwargs)

        def recorded(verb, method):
            async def call(arg):
                with log_lock, open(log_path, "a") as f:
                    f.write(f"{verb} {'tls' if self._tls_protocol else 'clear'}\n")
                return await method(arg)
            return call

        self._smtp_methods = {verb: recorded(verb, m) for verb, m in self._smtp_methods.items()}
        self._reply_lines = []

    async def push(self, status):
        """A multi-line reply goes out in one write, as postfix sends it (its reply
        stream is flushed once, before it reads the next command). aiosmtpd writes
        every line on its own, each a segment of its own on asyncio's TCP_NODELAY
        socket: an EHLO reply was six segments, which no relay the box meets sends."""
        line = status if isinstance(status, bytes) else status.encode("utf-8" if self.enable_SMTPUTF8 else "ascii")
        if line[3:4] == b"-":
            self._reply_lines.append(line)
            return
        lines, self._reply_lines = self._reply_lines + [line], []
        await super().push(b"\r\n".join(lines))


class RecordingController(Controller):
    def __init__(self, handler, log_path, **kwargs):
        super().__init__(handler, **kwargs)
        self.log_path = log_path
        self.log_lock = threading.Lock()
        open(log_path, "a").close()

    def factory(self):
        return RecordingSMTP(self.handler, log_path=self.log_path, log_lock=self.log_lock, **self.SMTP_kwargs)


def tls_context(cert, key, minimum=None):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    if minimum is not None:
        context.minimum_version = minimum
    return context


def raw_server(port, behaviour, stop):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((LOOPBACK, port))
    s.listen(16)
    s.settimeout(0.2)
    while not stop.is_set():
        try:
            conn, _ = s.accept()
        except OSError:
            continue
        threading.Thread(target=hostile, args=(conn, behaviour, stop), daemon=True).start()


def hostile(conn, behaviour, stop):
    conn.settimeout(30)
    try:
        if behaviour == "endless":
            conn.sendall(b"220 ")
            for _ in range(2000):  # bounded: ~2 MB, the client must give up long before
                if stop.is_set():
                    break
                conn.sendall(b"x" * 1024)
        else:
            conn.sendall(b"220 chatty.lab.test ESMTP\r\n")
            conn.recv(1024)
            conn.sendall(b"".join(b"250-EXT%d\r\n" % i for i in range(1000)) + b"250 OK\r\n")
            conn.recv(1024)
    except OSError:
        pass
    finally:
        conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--base-port", type=int, required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--max-seconds", type=float, default=3600)
    a = ap.parse_args()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    mail_dir = os.path.join(a.dir, "mail")
    os.makedirs(mail_dir, exist_ok=True)
    log_dir = os.path.join(a.dir, "smtp-commands")
    os.makedirs(log_dir, exist_ok=True)
    pki = os.path.dirname(os.path.abspath(a.cert))
    tls = tls_context(a.cert, a.key)
    handler = Handler(mail_dir)
    common = dict(hostname=LOOPBACK, authenticator=authenticator, server_hostname="relay.lab.test")

    def relay(name, port, **kwargs):
        return RecordingController(handler, os.path.join(log_dir, f"{name}.log"), port=port, **common, **kwargs)

    relays = {
        "ok": relay("ok", a.base_port, tls_context=tls, auth_require_tls=True),
        "no-starttls": relay("no-starttls", a.base_port + 1, auth_require_tls=False),
        "login-only": relay("login-only", a.base_port + 2, tls_context=tls, auth_require_tls=True,
                            auth_exclude_mechanism=["PLAIN"]),
        "self-signed": relay("self-signed", a.base_port + 5, auth_require_tls=True,
                             tls_context=tls_context(os.path.join(pki, "self-signed.chain.pem"),
                                                     os.path.join(pki, "self-signed.key.pem"))),
        "other-name": relay("other-name", a.base_port + 6, auth_require_tls=True,
                            tls_context=tls_context(os.path.join(pki, "other-name.chain.pem"),
                                                    os.path.join(pki, "other-name.key.pem"))),
        "tls13-only": relay("tls13-only", a.base_port + 7, auth_require_tls=True,
                            tls_context=tls_context(a.cert, a.key, minimum=ssl.TLSVersion.TLSv1_3)),
    }
    for c in relays.values():
        c.start()
    info = {name: {"port": c.port, "commands": c.log_path} for name, c in relays.items()}
    for offset, behaviour in ((3, "endless"), (4, "chatty")):
        threading.Thread(target=raw_server, args=(a.base_port + offset, behaviour, stop), daemon=True).start()
        info[behaviour] = {"port": a.base_port + offset}
    info["mail_dir"] = mail_dir
    with open(os.path.join(a.dir, "smtp.json.tmp"), "w") as f:
        json.dump(info, f, indent=1)
    os.replace(os.path.join(a.dir, "smtp.json.tmp"), os.path.join(a.dir, "smtp.json"))
    stop.wait(a.max_seconds)
    for c in relays.values():
        c.stop()


if __name__ == "__main__":
    main()
