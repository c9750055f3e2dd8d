"""tls_cert on TLS 1.2 and 1.3 (mbedTLS 3.6) against `openssl s_server` on 127.0.0.1:
1.2 is offered first and reported; a server that accepts only 1.3 is checked over 1.3;
a chain larger than the box's TLS input buffer is `unknown` with its size and the
limit, at once, not a generic handshake failure nor a timeout."""
import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

from simtest import HOST, run_once

NAME = "manage.lab.test"
LIMIT = 16384  # PROBEBOX_TLS_IN_CONTENT_BYTES, the board limit (core/limits.h)


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def self_signed(d, prefix, sans):
    """An RSA-2048 self-signed certificate for NAME with the given DNS SANs (openssl req)."""
    with open(os.path.join(d, f"{prefix}.cnf"), "w") as f:
        f.write("[req]\ndistinguished_name=dn\nx509_extensions=ext\nprompt=no\n[dn]\nCN=" + NAME + "\n"
                "[ext]\nbasicConstraints=critical,CA:FALSE\nsubjectAltName=@alt\n[alt]\n")
        for i, san in enumerate(sans, 1):
            f.write(f"DNS.{i}={san}\n")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{prefix}.key", "-out", f"{prefix}.crt",
            "-days", "400", "-sha256", "-config", f"{prefix}.cnf", cwd=d)
    with open(os.path.join(d, f"{prefix}.crt")) as f:
        return f.read()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def s_server(d, prefix, *version_args):
    port = free_port()
    proc = subprocess.Popen(["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", f"{prefix}.crt",
                             "-key", f"{prefix}.key", "-www", "-quiet", *version_args],
                            cwd=d, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        else:
            raise RuntimeError("openssl s_server did not start")
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class TlsVersions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="tls-versions-")
        cls.pem = self_signed(cls.dir, "leaf", [NAME])
        # 1000 names: a certificate of about 29 KB, the Certificate message twice
        # the box's limit.
        self_signed(cls.dir, "big", [NAME] + [f"host-{i:04d}.many-names.lab.test" for i in range(999)])
        cls.big_der = len(subprocess.run(["openssl", "x509", "-in", "big.crt", "-outform", "DER"], cwd=cls.dir,
                                         check=True, capture_output=True).stdout)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def check(self, port, timeout_ms=4000):
        doc = {"schema": 1, "trust_anchors_pem": self.pem, "defaults": {"timeout_ms": timeout_ms},
               "checks": [{"id": "t", "type": "tls_cert", "host": HOST, "port": port, "server_name": NAME,
                           "names": [NAME]}]}
        code, out, err = run_once(doc, timeout=60)
        self.assertIsNotNone(out, err[-2000:])
        return out["checks"][0]

    def test_a_server_speaking_both_is_checked_over_tls12(self):
        with s_server(self.dir, "leaf") as port:
            c = self.check(port)
        self.assertEqual(c["details"]["tls_version"], "1.2", c["summary"])
        self.assertTrue(c["details"]["trusted"], c["summary"])
        self.assertEqual(c["details"]["missing_names"], [])

    def test_a_tls12_only_server(self):
        with s_server(self.dir, "leaf", "-tls1_2") as port:
            c = self.check(port)
        self.assertEqual(c["details"]["tls_version"], "1.2", c["summary"])
        self.assertTrue(c["details"]["trusted"], c["summary"])

    def test_a_tls13_only_server_is_checked_over_tls13(self):
        # With 2.28 this was "A fatal alert message was received", critical.
        with s_server(self.dir, "leaf", "-tls1_3") as port:
            c = self.check(port)
        d = c["details"]
        self.assertEqual(d["tls_version"], "1.3", c["summary"])
        self.assertTrue(d["trusted"], c["summary"])
        self.assertEqual((d["key_type"], d["key_bits"]), ("RSA", 2048))
        self.assertEqual(d["missing_names"], [])
        self.assertIsNotNone(d["days_left"])

    def test_a_server_taking_only_nist_curves_is_still_reached(self):
        # The box offers X25519 first (its key share in a 1.3 hello): a server that
        # takes only P-256 or P-384 picks one in 1.2, and asks again for it in 1.3
        # (HelloRetryRequest).
        for version, group in (("-tls1_2", "P-256"), ("-tls1_3", "P-256"), ("-tls1_3", "P-384")):
            with self.subTest(version=version, group=group):
                with s_server(self.dir, "leaf", version, "-groups", group) as port:
                    c = self.check(port)
                self.assertEqual(c["details"]["tls_version"], version[-3:].replace("_", "."), c["summary"])
                self.assertTrue(c["details"]["trusted"], c["summary"])

    def test_each_tls12_suite_family_carries_a_request(self):
        # The box derives a TLS 1.2 session's key block to the length its suite takes
        # (firmware/net/tls12_key_block.h): an AES-GCM key cut from a wrong place, a
        # CBC MAC key or a key past the block's end, and OpenSSL refuses the request.
        cases = (("ECDHE-RSA-AES128-GCM-SHA256",), ("ECDHE-RSA-AES256-GCM-SHA384",),
                 ("ECDHE-RSA-AES256-SHA384",), ("ECDHE-RSA-AES128-SHA256", "-no_etm"), ("ECDHE-RSA-AES256-SHA",))
        for suite, *extra in cases:
            with self.subTest(suite=suite, extra=extra):
                with s_server(self.dir, "leaf", "-tls1_2", "-cipher", suite, *extra) as port:
                    doc = {"schema": 1, "trust_anchors_pem": self.pem, "defaults": {"timeout_ms": 4000},
                           "checks": [{"id": "h", "type": "http", "url": f"https://{HOST}:{port}/",
                                       "host_header": NAME}]}
                    code, out, err = run_once(doc, timeout=60)
                self.assertIsNotNone(out, err[-2000:])
                c = out["checks"][0]
                self.assertEqual(c["status"], "ok", c["summary"])
                self.assertEqual(c["details"]["http_status"], 200, c["summary"])

    def test_a_chain_larger_than_the_box_is_unknown_with_its_size(self):
        for version in ("-tls1_2", None):
            with s_server(self.dir, "big", *([version] if version else [])) as port:
                started = time.monotonic()
                c = self.check(port, timeout_ms=8000)
                took = time.monotonic() - started
            self.assertEqual(c["status"], "unknown", c["summary"])
            d = c["details"]
            # The TLS 1.2 Certificate message: 3-byte list length + 3-byte entry length + the DER.
            self.assertEqual(d["chain_bytes"], self.big_der + 6, c["summary"])
            self.assertEqual(d["chain_limit_bytes"], LIMIT)
            self.assertIn(f"certificate chain of {self.big_der + 6} bytes, over this box's limit of {LIMIT}",
                          c["summary"])
            self.assertLess(took, 6, "decided at the first fragment, not at the deadline")


if __name__ == "__main__":
    unittest.main()
