"""Hostile peers for the integration tests: one small server per misbehaviour, each
on 127.0.0.1 and an ephemeral port (inside the simulator: 10.0.2.2). Python 3
standard library only.

Every server runs in daemon threads that stop by themselves: the accept or receive
loop ends after `max_s`, a connection's handler after `conn_max_s` or as soon as
the peer goes away. `scenario.behave()` switches a server to a well-behaved answer
of the same protocol, so a test can show that the next cycle is normal again.

    with make("http-slowloris") as s:
        ... aim a check at 10.0.2.2:s.port ...
        s.behave()

Run as a script it starts every scenario and prints their ports (for poking by hand).
"""
import os
import random
import socket
import ssl
import struct
import tempfile
import threading
import time

LOOPBACK = "127.0.0.1"

# A self-signed RSA-2048 certificate for hostile.lab.test, valid for 30 years from
# when it was made: the TLS scenario's well-behaved mode serves it. Only for this lab.
CERT_NAME = "hostile.lab.test"
CERT_PEM = """\
-----BEGIN CERTIFICATE-----
MIIDZDCCAkygAwIBAgIUU4h2xP7FuTUBEJLODr9G7PuwPnswDQYJKoZIhvcNAQEL
BQAwMjEVMBMGA1UECgwMcHJvYmVib3ggbGFiMRkwFwYDVQQDDBBob3N0aWxlLmxh
Yi50ZXN0MCAXDTI2MTEyMzA0NDEwMloYDzIwNTYxMTE1MDQ0MTAyWjAyMRUwEwYD
VQQKDAxwcm9iZWJveCBsYWIxGTAXBgNVBAMMEGhvc3RpbGUubGFiLnRlc3QwggEi
MA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQDBdWJSm5jA780BcmgY72VTmXFy
DLmhLPUhWv+3sBSHQPTyL2e8pXLdBwlxcYkZWH+4qmJvCOsdmPyL6XuMSEfVEIH3
v3Yyp1uGVvk1NdwdRwDAJN+6xOiZgb5sLgEvdM0lOC72XJX9h/aOSVM2QHFMwSG4
q4FdC6R6FT5DcgDefwUUI/Z5i4AJPR3jbQjpARALVClT8HEzY21kBbFWvquriECo
iJPdLVU2Q7k4FkjO5Lo6WxWLOeph3m6IWHv1H9t3Q6dJG4Fv0vjr8c9gbeugQMfB
JzSdbMf5FMqCHyYgjsg1RDjyZAINLMiwHdg/JtaIppQrEs/3s6khWHmTGEmtAgMB
AAGjcDBuMB0GA1UdDgQWBBTgWDUJhVb0XTHKltUWs1Q7F29yhDAfBgNVHSMEGDAW
gBTgWDUJhVb0XTHKltUWs1Q7F29yhDAPBgNVHRMBAf8EBTADAQH/MBsGA1UdEQQU
MBKCEGhvc3RpbGUubGFiLnRlc3QwDQYJKoZIhvcNAQELBQADggEBAJAUEfwGzEWK
JJMJyUDof1i9gp/W3PFbWC6KM702pntupM+ZYNW4CalnQb7wYyE7fxLxwlFJOdsl
66JhHH0CTsVst7BsJ9lHx84PBzBdGpXveNcv4jM5eIaSgsOCMemmBCV/c1UyGAUI
cPkAo3m4YcMZ0OX2/s49gInwZB30qHehvqfWibN0TbpqTKSe2P8gYEErrZTraLhm
FS+uShkHHHDP+yNtKGwBaiDCmkgr2Mtn7nbHnPCzTBU4EUOzaZxGMNxHqbjAslXY
Nt0LQyC6P+CB9LSD4PYMECVvnO2ep2sm5XT8p5xk+5JqHtMOhqSpO6/sjJivprZu
kLrK+UauOpg=
-----END CERTIFICATE-----
"""
KEY_PEM = """\
-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQDBdWJSm5jA780B
cmgY72VTmXFyDLmhLPUhWv+3sBSHQPTyL2e8pXLdBwlxcYkZWH+4qmJvCOsdmPyL
6XuMSEfVEIH3v3Yyp1uGVvk1NdwdRwDAJN+6xOiZgb5sLgEvdM0lOC72XJX9h/aO
SVM2QHFMwSG4q4FdC6R6FT5DcgDefwUUI/Z5i4AJPR3jbQjpARALVClT8HEzY21k
BbFWvquriECoiJPdLVU2Q7k4FkjO5Lo6WxWLOeph3m6IWHv1H9t3Q6dJG4Fv0vjr
8c9gbeugQMfBJzSdbMf5FMqCHyYgjsg1RDjyZAINLMiwHdg/JtaIppQrEs/3s6kh
WHmTGEmtAgMBAAECggEADqjsxbpFQc+aLyMiiMsxWDuvOVeGBJTx0XCCIsMM1zAA
r86QU58M/HtRR5+1Ji7K5O1CbswT9wb2Eksj4d5DVT2+P44qcI22lZBHK7VUZAKS
p7zTmGVeA+3tRmjZDaXR+uFOS7x54D+6mw8q51hMTabv/Xy/nZOph9fOw1EjCDkh
j9zWs9sS2G22KDsmr1VarIWf2WrTtiEn6P95Wxvd4L8kg0v16N9UwwRwP8aF1mE3
tGm1F/436KsOsJuUs35DFRK2pnN21mMIkt7hGfsk4ZpVgEwlAcs8Mp7IOHQieyhZ
RtAVKHPh0AHYRUYIDZyFuVpkpMkKkANPLCBSCH9rmQKBgQDwFnd8dGSa5PwcQxJt
yjuIFT4zVjii4I4Wvy/jG92rYmMca4Wmxug6AATp8G8i4C20TJ7peOUAywDk2XiX
vjc4ruVX00m+cf39wuL9YXkexJNxC0+NgIXfuNinYukJkxjrDraJb/DustrhNbL0
bhwDTfiEHu4JUIjfX+5SFqiP+QKBgQDOR8QiP+2aIFii/MAo5AfcK9W9Ia0uMS3r
6zeMS7/X9Nz2B1n0Rg4sz3lkoQkzDnPnQ4c7aOCjYwkhAajV0N8YeaOx/6B+JN+Q
N1obhfyAOCfqFEIBm8ZXnWVe8a0dA6sq939YB+ezuWRbYK32dOjJQtggQARizUSG
2YA1YztcVQKBgGizI4BesdDqsxcQGOVQIA4EVY/FtgUxsEUzMwrziAPJcDdgnHRS
octJXts2QwEOil/qWhKu6g8ieE1UmUZzaVmKy/E07x/iTkVvy9V7wHoud64ApLys
o7Ugwzqb48yNHXzEec4NxyARV2qHJHd73TODuTDE3EGroUTobOHXh8LhAoGAHHtq
SHRdQU/ADVkqyzqZHzxqOcAhomQl/BIxTEzVQ2NK8ymWsRTPNj67ezqFA6i2NjNr
w7c6dTTieM0627MIat+4y4YJSgGbYNVTusMoVyfp0vdTGdfBbi2MZqymA4CTLM6Z
pbUJuBYcFkXmH0aLMebp4qIUOPQwxxHXEwgNlTUCgYBNmq6ptGkrKKyqcEXaDyKB
YnZkocxDWaRlhh6sjdr4+FbO+hQQUFTFv8H3LAjL62tAwN+ks+FTDfay6c2mwJFb
Uc0EydKgm7lpBkIzr3x2ZjzXIaG/gVAk6tR/xrgUedIFLX5tumIX3XI6+jCQjYmR
4PRNnrjuSWeuSdnSIn1i4g==
-----END PRIVATE KEY-----
"""


class Scenario:
    """Lifetime, stop and the hostile/good switch every server shares."""

    def __init__(self, behaviour, max_s=120, conn_max_s=30, seed=9):
        self.behaviour = behaviour
        self.good = False
        self.deadline = time.monotonic() + max_s
        self.conn_max_s = conn_max_s
        self.rng = random.Random(seed)  # the same garbage every run: failures reproduce
        self.served = 0
        self._stop = threading.Event()
        self._threads = []
        self.sock = None
        self.port = 0

    def behave(self):
        self.good = True

    def misbehave(self):
        self.good = False

    def running(self):
        return not self._stop.is_set() and time.monotonic() < self.deadline

    def _spawn(self, target, *args):
        self._threads = [t for t in self._threads if t.is_alive()]
        t = threading.Thread(target=target, args=args, daemon=True)
        t.start()
        self._threads.append(t)

    def close(self):
        self._stop.set()
        for t in list(self._threads):
            t.join(2)
        if self.sock is not None:
            self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Conn:
    """One accepted TCP connection with a bounded life: every wait polls in 0.2 s
    steps and gives up when the connection's or the server's time is over."""

    def __init__(self, sock, until, stop):
        self.sock = sock
        self.until = until
        self._stop = stop
        sock.settimeout(0.2)

    def alive(self):
        return not self._stop.is_set() and time.monotonic() < self.until

    def read_until(self, marker, limit=16384):
        data = b""
        while self.alive() and marker not in data and len(data) < limit:
            try:
                chunk = self.sock.recv(4096)
            except socket.timeout:
                continue
            if not chunk:
                break
            data += chunk
        return data

    def read_some(self, limit=16384):
        """The first bytes the peer sends (after waiting for them)."""
        while self.alive():
            try:
                return self.sock.recv(limit)
            except socket.timeout:
                continue
        return b""

    def send(self, data):
        """All of data unless the connection's time runs out; a reset raises OSError."""
        view = memoryview(data)
        while view and self.alive():
            try:
                n = self.sock.send(view)
            except socket.timeout:
                continue
            view = view[n:]
        return not view

    def sleep(self, seconds):
        end = min(self.until, time.monotonic() + seconds)
        while time.monotonic() < end and not self._stop.is_set():
            time.sleep(min(0.05, max(0.0, end - time.monotonic())))
        return self.alive()

    def drain(self):
        """Reads and drops until the peer closes: the probe, not the server, ends it."""
        while self.alive():
            try:
                if not self.sock.recv(4096):
                    return
            except socket.timeout:
                continue

    def reset(self):
        """Closes with SO_LINGER 0: the kernel sends RST instead of FIN."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


class TcpScenario(Scenario):
    def __init__(self, behaviour, **kw):
        super().__init__(behaviour, **kw)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((LOOPBACK, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self._spawn(self._accept_loop)

    def _accept_loop(self):
        while self.running():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.served += 1
            self._spawn(self._handle, conn)

    def _handle(self, sock):
        conn = Conn(sock, min(self.deadline, time.monotonic() + self.conn_max_s), self._stop)
        try:
            if self.good:
                self.serve_good(conn)
            else:
                getattr(self, "hostile_" + self.behaviour.replace("-", "_"))(conn)
        except OSError:
            pass  # the probe reset or closed the connection: many scenarios end that way
        finally:
            sock.close()

    def serve_good(self, conn):
        raise NotImplementedError


class UdpScenario(Scenario):
    def __init__(self, behaviour, **kw):
        super().__init__(behaviour, **kw)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((LOOPBACK, 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self._spawn(self._loop)

    def _loop(self):
        while self.running():
            try:
                data, peer = self.sock.recvfrom(2048)
            except OSError:
                continue
            self.served += 1
            if self.good:
                reply = self.answer_good(data)
            else:
                reply = getattr(self, "hostile_" + self.behaviour.replace("-", "_"))(data)
            if reply:
                try:
                    self.sock.sendto(reply, peer)
                except OSError:
                    pass


# --- HTTP -------------------------------------------------------------------------

HTTP_OK = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
           b"Connection: close\r\n\r\nOK")


class HttpScenario(TcpScenario):
    """Answers GET /testall. Hostile: garbage status line, a head that never ends
    (endless-header: ever more header lines; endless-line: one header line that never
    ends), slowloris (1 byte/s), reset (RST after part of the body), late (a good
    answer after `late_s`)."""

    def __init__(self, behaviour, late_s=3.0, **kw):
        self.late_s = late_s
        super().__init__(behaviour, **kw)

    def serve_good(self, conn):
        conn.read_until(b"\r\n\r\n")
        conn.send(HTTP_OK)

    def hostile_garbage(self, conn):
        conn.read_until(b"\r\n\r\n")
        junk = bytes(self.rng.randrange(256) for _ in range(200))
        conn.send(b"\x7fELF?? " + junk.replace(b"\n", b" ") + b"\r\n\r\n")
        conn.drain()

    def hostile_endless_header(self, conn):
        conn.read_until(b"\r\n\r\n")
        conn.send(b"HTTP/1.1 200 OK\r\n")
        i = 0
        while conn.send(b"X-Filler-%06d: %s\r\n" % (i, b"a" * 48)):
            i += 1
            if i % 64 == 0:
                conn.sleep(0.01)

    def hostile_endless_line(self, conn):
        conn.read_until(b"\r\n\r\n")
        conn.send(b"HTTP/1.1 200 OK\r\nX-Endless: ")
        while conn.send(b"b" * 256):
            conn.sleep(0.005)

    def hostile_slowloris(self, conn):
        conn.read_until(b"\r\n\r\n")
        for i in range(len(HTTP_OK)):
            if not conn.send(HTTP_OK[i:i + 1]) or not conn.sleep(1.0):
                return

    def hostile_reset(self, conn):
        conn.read_until(b"\r\n\r\n")
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n" + b"x" * 100)
        conn.sleep(0.3)  # let the partial reply reach the probe before the RST
        conn.reset()

    def hostile_late(self, conn):
        conn.read_until(b"\r\n\r\n")
        if conn.sleep(self.late_s):
            conn.send(HTTP_OK)
        conn.drain()


# --- SMTP -------------------------------------------------------------------------

class SmtpScenario(TcpScenario):
    """Hostile: endless-banner (a 220 line that never ends), garbage-banner (binary
    noise, then CRLF), slow-banner (a good banner at 1 byte/s), bare-auth (an EHLO
    reply whose last line is exactly "250 AUTH", no mechanism after it),
    bare-auth-middle (the same as a middle line: "250-AUTH"). Good: banner, EHLO with
    AUTH PLAIN and no STARTTLS, QUIT. Every command received is kept in `commands`."""

    BANNER = b"220 hostile.lab.test ESMTP\r\n"
    GOOD_EHLO = b"250-hostile.lab.test\r\n250 AUTH PLAIN LOGIN\r\n"

    def __init__(self, behaviour, **kw):
        self.commands = []
        super().__init__(behaviour, **kw)

    def dialogue(self, conn, ehlo_reply):
        conn.send(self.BANNER)
        for _ in range(16):
            line = conn.read_until(b"\n", limit=1024)
            if not line:
                return
            self.commands.append(line.rstrip(b"\r\n"))
            verb = line[:4].upper()
            if verb == b"EHLO":
                conn.send(ehlo_reply)
            elif verb == b"QUIT":
                conn.send(b"221 bye\r\n")
                return
            else:
                conn.send(b"502 not here\r\n")

    def serve_good(self, conn):
        self.dialogue(conn, self.GOOD_EHLO)

    def hostile_bare_auth(self, conn):
        self.dialogue(conn, b"250-hostile.lab.test\r\n250 AUTH\r\n")

    def hostile_bare_auth_middle(self, conn):
        self.dialogue(conn, b"250-hostile.lab.test\r\n250-AUTH\r\n250-8BITMIME\r\n250 OK\r\n")

    def hostile_endless_banner(self, conn):
        conn.send(b"220 ")
        while conn.send(b"z" * 256):
            conn.sleep(0.005)

    def hostile_garbage_banner(self, conn):
        junk = bytes(self.rng.randrange(256) for _ in range(120))
        conn.send(b"\x00\x01" + junk.replace(b"\n", b"?") + b"\r\n")
        conn.drain()

    def hostile_slow_banner(self, conn):
        for i in range(len(self.BANNER)):
            if not conn.send(self.BANNER[i:i + 1]) or not conn.sleep(1.0):
                return


# --- TLS --------------------------------------------------------------------------

class TlsScenario(TcpScenario):
    """Hostile: random-record (after the ClientHello, a handshake record whose 1024
    bytes are random). Good: a real TLS server with the self-signed certificate."""

    def __init__(self, behaviour, **kw):
        tmp = tempfile.mkdtemp(prefix="hostile-tls-")
        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        with open(cert, "w") as f:
            f.write(CERT_PEM)
        with open(key, "w") as f:
            f.write(KEY_PEM)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        os.unlink(cert)
        os.unlink(key)
        os.rmdir(tmp)
        super().__init__(behaviour, **kw)

    def serve_good(self, conn):
        conn.sock.settimeout(max(0.1, conn.until - time.monotonic()))
        tls = self.context.wrap_socket(conn.sock, server_side=True)
        conn.sock = tls
        tls.settimeout(0.2)
        conn.drain()

    def hostile_random_record(self, conn):
        if not conn.read_some():  # the ClientHello
            return
        body = bytes(self.rng.randrange(256) for _ in range(1024))
        conn.send(b"\x16\x03\x03" + struct.pack("!H", len(body)) + body)
        conn.drain()


# --- DNS (UDP) --------------------------------------------------------------------

def _question_end(query):
    pos = 12
    while pos < len(query) and query[pos] != 0:
        pos += 1 + query[pos]
    return pos + 1 + 4


class DnsScenario(UdpScenario):
    """Answers every A query with 192.0.2.10. Hostile: pointer-loop (a CNAME whose
    target is a label followed by a pointer back to itself), wrong-id, truncated (the
    good answer cut inside its address record)."""

    ADDRESS = bytes([192, 0, 2, 10])

    def _answer(self, query, records, ancount, qid=None):
        if len(query) < 17:
            return None
        end = _question_end(query)
        ident = query[:2] if qid is None else qid
        header = ident + b"\x81\x80" + struct.pack("!HHHH", 1, ancount, 0, 0)
        return header + query[12:end] + records

    def answer_good(self, query):
        rr = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + self.ADDRESS
        return self._answer(query, rr, 1)

    def hostile_pointer_loop(self, query):
        end = _question_end(query)
        rdata_at = end + 12  # header and question, then owner pointer (2) and fixed fields (10)
        rdata = b"\x01a" + struct.pack("!H", 0xC000 | rdata_at)
        rr = b"\xc0\x0c" + struct.pack("!HHIH", 5, 1, 60, len(rdata)) + rdata
        return self._answer(query, rr, 1)

    def hostile_wrong_id(self, query):
        good = self.answer_good(query)
        return good and bytes([good[0] ^ 0x5A, good[1] ^ 0xA5]) + good[2:]

    def hostile_truncated(self, query):
        good = self.answer_good(query)
        return good and good[:-3]


# --- NTP (UDP) --------------------------------------------------------------------

NTP_EPOCH_OFFSET = 2208988800


def _ntp_stamp(t):
    seconds = int(t)
    return struct.pack("!II", (seconds + NTP_EPOCH_OFFSET) & 0xFFFFFFFF, int((t - seconds) * (1 << 32)))


class NtpScenario(UdpScenario):
    """Hostile: short (20 bytes of noise), garbage (48 bytes of noise), wrong-origin
    (a good reply echoing another originate timestamp). Good: stratum 2, the host's time."""

    def _reply(self, query, originate):
        now = _ntp_stamp(time.time())
        return (bytes([(0 << 6) | (4 << 3) | 4, 2, 6, 0xEC]) + struct.pack("!II", 0, 0) + b"LAB\x00" +
                now + originate + now + now)

    def answer_good(self, query):
        return self._reply(query, query[40:48]) if len(query) >= 48 else None

    def hostile_short(self, query):
        return bytes(self.rng.randrange(256) for _ in range(20))

    def hostile_garbage(self, query):
        return bytes(self.rng.randrange(256) for _ in range(48))

    def hostile_wrong_origin(self, query):
        if len(query) < 48:
            return None
        seconds, fraction = struct.unpack("!II", query[40:48])
        return self._reply(query, struct.pack("!II", (seconds + 1) & 0xFFFFFFFF, fraction))


SCENARIOS = {
    "http-garbage-status": (HttpScenario, "garbage"),
    "http-endless-header": (HttpScenario, "endless-header"),
    "http-endless-line": (HttpScenario, "endless-line"),
    "http-slowloris": (HttpScenario, "slowloris"),
    "http-reset": (HttpScenario, "reset"),
    "http-late": (HttpScenario, "late"),
    "smtp-endless-banner": (SmtpScenario, "endless-banner"),
    "smtp-garbage-banner": (SmtpScenario, "garbage-banner"),
    "smtp-slow-banner": (SmtpScenario, "slow-banner"),
    "smtp-bare-auth": (SmtpScenario, "bare-auth"),
    "smtp-bare-auth-middle": (SmtpScenario, "bare-auth-middle"),
    "tls-random-record": (TlsScenario, "random-record"),
    "dns-pointer-loop": (DnsScenario, "pointer-loop"),
    "dns-wrong-id": (DnsScenario, "wrong-id"),
    "dns-truncated": (DnsScenario, "truncated"),
    "ntp-short": (NtpScenario, "short"),
    "ntp-garbage": (NtpScenario, "garbage"),
    "ntp-wrong-origin": (NtpScenario, "wrong-origin"),
}


def make(name, **kw):
    """Starts the named scenario in its hostile mode; keyword arguments go to the
    server (max_s, conn_max_s, seed, and late_s for http-late)."""
    cls, behaviour = SCENARIOS[name]
    return cls(behaviour, **kw)


def main():
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-seconds", type=float, default=300)
    args = parser.parse_args()
    servers = {name: make(name, max_s=args.max_seconds) for name in SCENARIOS}
    for name, s in servers.items():
        print(f"{name:22} 127.0.0.1:{s.port}", flush=True)
    try:
        time.sleep(args.max_seconds)
    except KeyboardInterrupt:
        pass
    for s in servers.values():
        s.close()


if __name__ == "__main__":
    main()
