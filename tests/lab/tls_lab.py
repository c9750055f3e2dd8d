#!/usr/bin/python3
"""TLS servers of the lab, one port per certificate scenario, on 127.0.0.1 only (or the
address lab_address.py takes in the bench's private TAP namespace).
Runs under Debian's /usr/bin/python3 (python3-cryptography makes the certificates).

  tls_lab.py --dir DIR --base-port N [--max-seconds S]

Writes DIR/pki/ (root, intermediate, leaves; also relay.* for relay.lab.test and
other-name.* for mail.other.test, the SMTP relays' certificates) and DIR/tls.json: per scenario its port,
the certificate's notAfter (Unix seconds) and SHA-256 fingerprint, plus the root CA
PEM for trust_anchors_pem. Each scenario answers one GET (200 "OK"; /health/status/*
204 with the --health-key Basic credentials, else 401) and records every request's
path and whether it carried credentials in DIR/tls-requests/<scenario>.log (the path in
tls.json, "requests"). Stops on SIGTERM or after --max-seconds.
"""
import argparse
import base64
import datetime
import hashlib
import json
import os
import signal
import socket
import ssl
import threading

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

import lab_address

LOOPBACK = lab_address.listen_address()  # 127.0.0.1 but in the bench's TAP namespace
NAMES = ["manage.lab.test", "rta.lab.test", "webtask.lab.test", "app1.lab.test"]
NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
DAY = datetime.timedelta(days=1)


def rsa_key(bits=2048):
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "probebox lab"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_cert(subject_cn, key, issuer_cert, issuer_key, not_before, not_after, sans=None, ca=False,
              digest=hashes.SHA256()):
    builder = (x509.CertificateBuilder()
               .subject_name(name(subject_cn))
               .issuer_name(issuer_cert.subject if issuer_cert else name(subject_cn))
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(not_before)
               .not_valid_after(not_after)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in sans]),
                                        critical=False)
    return builder.sign(issuer_key or key, digest)


def pem(obj):
    if isinstance(obj, x509.Certificate):
        return obj.public_bytes(serialization.Encoding.PEM)
    return obj.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())


def build_pki():
    root_key = rsa_key()
    root = make_cert("probebox lab root", root_key, None, None, NOW - 10 * DAY, NOW + 3650 * DAY, ca=True)
    inter_key = rsa_key()
    inter = make_cert("probebox lab intermediate", inter_key, root, root_key, NOW - 10 * DAY, NOW + 1800 * DAY,
                      ca=True)

    def leaf(cn, days_left=365, sans=NAMES, key=None, digest=hashes.SHA256(), not_before=None):
        k = key or rsa_key()
        c = make_cert(cn, k, inter, inter_key, not_before or NOW - 30 * DAY, NOW + days_left * DAY + datetime.timedelta(hours=1),
                      sans=sans, digest=digest)
        return c, k

    scenarios = {
        "good": leaf("manage.lab.test") + (True,),
        "warn": leaf("manage.lab.test", days_left=20) + (True,),
        "crit": leaf("manage.lab.test", days_left=5) + (True,),
        "expired": leaf("manage.lab.test", days_left=-3) + (True,),
        "future": leaf("manage.lab.test", not_before=NOW + 2 * DAY) + (True,),
        "missing-name": leaf("manage.lab.test", sans=NAMES[:3]) + (True,),
        "wildcard": leaf("*.lab.test", sans=["*.lab.test"]) + (True,),
        "no-intermediate": leaf("manage.lab.test") + (False,),
        "rsa1024": leaf("manage.lab.test", key=rsa_key(1024)) + (True,),
        "ec": leaf("manage.lab.test", key=ec.generate_private_key(ec.SECP256R1())) + (True,),
        "sha1": leaf("manage.lab.test", digest=hashes.SHA1()) + (True,),
        # The largest chain the box must still read: leaf and intermediate in a
        # Certificate message of about 15 KB, just under mbedTLS's 16 KiB input buffer
        # (tests/integration/test_target_limits.py measures the arena it takes).
        "big-chain": leaf("manage.lab.test",
                          sans=NAMES + [f"host-{i:04d}.many.lab.test" for i in range(530)]) + (True,),
    }
    self_key = rsa_key()
    self_signed = make_cert("manage.lab.test", self_key, None, None, NOW - DAY, NOW + 365 * DAY, sans=NAMES)
    # Not served here: the SMTP relays' certificates (smtp_lab.py), from the same CA.
    relays = {"relay": leaf("relay.lab.test", sans=["relay.lab.test"]),
              "other-name": leaf("mail.other.test", sans=["mail.other.test"])}
    return root, inter, scenarios, (self_signed, self_key), relays


def serve_tls(sock, context, stop, requests=None):
    sock.settimeout(0.2)
    while not stop.is_set():
        try:
            conn, _ = sock.accept()
        except OSError:
            continue
        threading.Thread(target=handle_tls, args=(conn, context, requests), daemon=True).start()


class Requests:
    """Records each HTTP request a scenario answers — its path and whether it carried
    credentials, never their value — in DIR/tls-requests/<scenario>.log, and answers
    the appliance's /health/status/* (204 with the right key, else 401)."""

    def __init__(self, path, health_key):
        self.path = path
        self.lock = threading.Lock()
        self.want = "Basic " + base64.b64encode(f"api_keys_health:{health_key}".encode()).decode()
        open(path, "a").close()

    def answer(self, data):
        head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        target = head[0].split(" ")[1] if len(head[0].split(" ")) > 1 else ""
        auth = next((h.split(":", 1)[1].strip() for h in head[1:] if h.lower().startswith("authorization:")), None)
        with self.lock, open(self.path, "a") as f:
            f.write(f"{target} {'auth' if auth is not None else 'no-auth'}\n")
        if not target.startswith("/health/status/"):
            return None
        status = b"204 No Content" if auth == self.want else b"401 Unauthorized"
        return b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


def handle_tls(conn, context, requests=None):
    conn.settimeout(10)
    try:
        with context.wrap_socket(conn, server_side=True) as tls:
            # A completed handshake: answer one HTTP request, as a load balancer would.
            data = tls.recv(4096)
            if data.startswith(b"GET "):
                answer = requests.answer(data) if requests else None
                tls.sendall(answer or b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
                                      b"Connection: close\r\n\r\nOK")
    except (OSError, ssl.SSLError):
        pass  # a probe that stops after the server's key exchange ends here


def serve_hostile(sock, behaviour, stop):
    sock.settimeout(0.2)
    while not stop.is_set():
        try:
            conn, _ = sock.accept()
        except OSError:
            continue
        try:
            conn.settimeout(5)
            if behaviour == "garbage":
                conn.recv(4096)
                conn.sendall(os.urandom(2048))
            elif behaviour == "close-mid-handshake":
                conn.recv(4096)  # the ClientHello, then nothing
        except OSError:
            pass
        finally:
            conn.close()


def listen(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((LOOPBACK, port))
    s.listen(32)
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--base-port", type=int, required=True)
    ap.add_argument("--max-seconds", type=float, default=3600)
    ap.add_argument("--health-key", default="lab-health-key")
    a = ap.parse_args()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    pki = os.path.join(a.dir, "pki")
    os.makedirs(pki, exist_ok=True)
    request_logs = os.path.join(a.dir, "tls-requests")
    os.makedirs(request_logs, exist_ok=True)
    root, inter, scenarios, self_signed, relays = build_pki()
    for label, (cert, key) in relays.items():
        with open(os.path.join(pki, f"{label}.chain.pem"), "wb") as f:
            f.write(pem(cert) + pem(inter))
        with open(os.path.join(pki, f"{label}.key.pem"), "wb") as f:
            f.write(pem(key))
    info = {"root_pem": pem(root).decode(), "scenarios": {}}
    port = a.base_port
    all_scenarios = dict(scenarios, **{"self-signed": self_signed + (False,)})
    for label, (cert, key, with_intermediate) in all_scenarios.items():
        chain = os.path.join(pki, f"{label}.chain.pem")
        keyfile = os.path.join(pki, f"{label}.key.pem")
        with open(chain, "wb") as f:
            f.write(pem(cert) + (pem(inter) if with_intermediate else b""))
        with open(keyfile, "wb") as f:
            f.write(pem(key))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.set_ciphers("DEFAULT:@SECLEVEL=0")  # serve weak keys and SHA-1 so the probe can flag them
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(chain, keyfile)
        requests = Requests(os.path.join(request_logs, f"{label}.log"), a.health_key)
        threading.Thread(target=serve_tls, args=(listen(port), context, stop, requests), daemon=True).start()
        info["scenarios"][label] = {
            "requests": requests.path,
            "port": port, "not_after": int(cert.not_valid_after.replace(tzinfo=datetime.timezone.utc).timestamp()),
            "sha256": hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()}
        port += 1
    for behaviour in ("garbage", "close-mid-handshake"):
        threading.Thread(target=serve_hostile, args=(listen(port), behaviour, stop), daemon=True).start()
        info["scenarios"][behaviour] = {"port": port}
        port += 1
    with open(os.path.join(a.dir, "tls.json.tmp"), "w") as f:
        json.dump(info, f, indent=1)
    os.replace(os.path.join(a.dir, "tls.json.tmp"), os.path.join(a.dir, "tls.json"))
    stop.wait(a.max_seconds)


if __name__ == "__main__":
    main()
