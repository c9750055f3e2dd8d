"""tls_cert judges the chain certificate by certificate (issue 17, item 4), against
`openssl s_server` on 127.0.0.1 serving chains made by the openssl CLI: an
intermediate that expires before the leaf (chain_not_after, and /metrics'
probe_ssl_earliest_cert_expiry equal to what Debian's prometheus-blackbox-exporter
reports for the same server), a reversed chain (out of order, not "an intermediate
is missing"), a SHA-1 intermediate, a leaf without subject, a self-signed leaf."""
import calendar
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.request

from simtest import HOST, free_port, http_get, run_once, running_sim, wait_for
from test_metrics import parse
from test_tls_versions import s_server

NAME = "manage.lab.test"
EXPORTER = "/usr/bin/prometheus-blackbox-exporter"

EXT = """[ca]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
[leaf]
basicConstraints=critical,CA:FALSE
subjectAltName=DNS:manage.lab.test
"""


def openssl(d, *args):
    return subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True, timeout=60).stdout


def not_after(d, crt):
    out = openssl(d, "x509", "-in", crt, "-noout", "-enddate").decode().strip()
    return calendar.timegm(time.strptime(out.split("=", 1)[1].replace(" GMT", ""), "%b %d %H:%M:%S %Y"))


def issue(d, name, subject, issuer, days, ext, digest="-sha256"):
    """A key and a certificate for `subject` ("/" for none) signed by `issuer` (a
    prefix of key and certificate in d), with openssl req + openssl x509 -req."""
    openssl(d, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
            "-subj", subject)
    openssl(d, "x509", "-req", "-in", f"{name}.csr", "-CA", f"{issuer}.crt", "-CAkey", f"{issuer}.key",
            "-set_serial", str(abs(hash(name)) % 100000 + 2), "-out", f"{name}.crt", "-days", str(days), digest,
            "-extfile", "ext.cnf", "-extensions", ext)


def cat(d, out, *names):
    with open(os.path.join(d, out), "w") as f:
        for n in names:
            with open(os.path.join(d, n)) as src:
                f.write(src.read())


class TlsChain(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        d = cls.dir = tempfile.mkdtemp(prefix="tls-chain-")
        with open(os.path.join(d, "ext.cnf"), "w") as f:
            f.write(EXT)
        openssl(d, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "root.key", "-out", "root.crt",
                "-days", "3650", "-sha256", "-subj", "/CN=Chain Lab Root", "-addext",
                "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        issue(d, "inter", "/CN=Chain Lab Intermediate", "root", 60, "ca")        # expires first
        issue(d, "leaf", f"/CN={NAME}", "inter", 365, "leaf")
        issue(d, "sha1inter", "/CN=Chain Lab SHA1 Intermediate", "root", 1000, "ca", "-sha1")
        issue(d, "sha1leaf", f"/CN={NAME}", "sha1inter", 365, "leaf")
        issue(d, "nosubject", "/", "inter", 365, "leaf")
        cat(d, "inter.chain", "inter.crt")
        cat(d, "reversed.chain", "root.crt", "inter.crt")  # leaf, root, intermediate
        cat(d, "sha1inter.chain", "sha1inter.crt")
        with open(os.path.join(d, "root.crt")) as f:
            cls.root_pem = f.read()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def serve(self, leaf, chain=None, *extra):
        args = (["-cert_chain", chain] if chain else []) + list(extra)
        return s_server(self.dir, leaf, *args)

    def doc(self, port, **extra):
        return {"schema": 1, "trust_anchors_pem": self.root_pem,
                "defaults": {"timeout_ms": 4000, "cert_warn_days": 30, "cert_crit_days": 14},
                "checks": [dict({"id": "t", "type": "tls_cert", "host": HOST, "port": port, "server_name": NAME,
                                 "names": [NAME]}, **extra)]}

    def check(self, port):
        code, out, err = run_once(self.doc(port), timeout=60)
        self.assertIsNotNone(out, err[-2000:])
        return out["checks"][0]

    def iso(self, unix):
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(unix))

    def test_an_intermediate_expiring_first_is_the_chains_not_after(self):
        with self.serve("leaf", "inter.chain") as port:
            c = self.check(port)
        d = c["details"]
        self.assertEqual(c["status"], "ok", c["summary"])
        self.assertEqual(d["not_after"], self.iso(not_after(self.dir, "leaf.crt")))
        self.assertEqual(d["chain_not_after"], self.iso(not_after(self.dir, "inter.crt")))
        self.assertTrue(d["chain_in_order"])
        self.assertFalse(d["self_signed"])
        self.assertFalse(d["weak_sig_in_chain"])
        self.assertEqual(d["subject"], f"CN={NAME}")

    def test_a_reversed_chain_is_out_of_order_not_incomplete(self):
        with self.serve("leaf", "reversed.chain") as port:
            c = self.check(port)
        d = c["details"]
        self.assertEqual(c["status"], "warning", c["summary"])
        self.assertIn("out of order", c["summary"])
        self.assertNotIn("missing", c["summary"])
        self.assertTrue(d["chain_complete"])
        self.assertTrue(d["trusted"])
        self.assertFalse(d["chain_in_order"])

    def test_a_sha1_intermediate_is_a_warning_naming_it(self):
        with self.serve("sha1leaf", "sha1inter.chain", "-cipher", "DEFAULT@SECLEVEL=0") as port:
            c = self.check(port)
        d = c["details"]
        self.assertEqual(c["status"], "warning", c["summary"])
        self.assertIn("Chain Lab SHA1 Intermediate in the chain signed with sha1WithRSAEncryption", c["summary"])
        self.assertTrue(d["weak_sig_in_chain"])
        self.assertTrue(d["trusted"])
        self.assertEqual(d["sig_alg"], "sha256WithRSAEncryption")  # the leaf's own

    def test_a_leaf_without_subject_has_an_empty_one(self):
        with self.serve("nosubject", "inter.chain") as port:
            c = self.check(port)
        self.assertEqual(c["details"]["subject"], "", c["summary"])
        self.assertEqual(c["status"], "ok", c["summary"])
        self.assertEqual(c["details"]["sans"], [NAME])

    def test_a_self_signed_leaf_is_critical_with_and_without_anchors(self):
        openssl(self.dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "self.key", "-out", "self.crt",
                "-days", "365", "-sha256", "-subj", f"/CN={NAME}", "-addext", f"subjectAltName=DNS:{NAME}")
        with open(os.path.join(self.dir, "self.crt")) as f:
            pinned = f.read()
        with self.serve("self") as port:
            for anchors in (None, pinned):
                doc = self.doc(port)
                if anchors is None:
                    del doc["trust_anchors_pem"]
                else:
                    doc["trust_anchors_pem"] = anchors  # even pinned as its own anchor
                code, out, err = run_once(doc, timeout=60)
                self.assertIsNotNone(out, err[-2000:])
                c = out["checks"][0]
                self.assertEqual(c["status"], "critical", c["summary"])
                self.assertIn("self-signed", c["summary"])
                self.assertTrue(c["details"]["self_signed"])

    def test_an_intermediate_with_a_long_public_exponent_is_not_computed(self):
        """mbedTLS takes any odd RSA exponent below the modulus. An intermediate whose key
        has a 4095-bit exponent made each signature it checks a full exponentiation: 931 M
        instructions, 5.5 s of a 168 MHz Cortex-M4 in one pass of the loop (the image,
        icount), so three such certificates in a chain outlast the watchdog. The box
        refuses exponents over 64 bits (OpenSSL refuses them too, for moduli over 3072
        bits): the chain does not verify, and the summary names the certificate."""
        from hostile_keys import long_exponent_chain
        long_exponent_chain(self.dir, "root", NAME)
        cat(self.dir, "longe.chain", "longe.crt")
        with self.serve("longeleaf", "longe.chain") as port:
            c = self.check(port)
        self.assertEqual(c["status"], "critical", c["summary"])
        self.assertEqual(c["summary"], "chain does not verify: Long Exponent CA has an RSA public exponent over "
                                       "64 bits, which the box does not compute")
        self.assertFalse(c["details"]["trusted"])

    def test_a_chain_of_costly_rsa_keys_is_cut_off_at_the_sessions_budget(self):
        """Eight intermediates with RSA-4096 keys and 64-bit exponents (all bits set), each
        signature made not to verify: 197 M instructions, 1.2 s of the Cortex-M4 in one
        pass (the image, icount), on every check of every cycle, since a chain that
        does not verify is never cached. A session's RSA work is bounded now: the chain
        stops verifying at the budget and the summary says so."""
        from hostile_keys import costly_chain
        costly_chain(self.dir, "root", NAME, 8)
        with self.serve("costlyleaf", "costly.chain") as port:
            c = self.check(port)
        self.assertEqual(c["status"], "critical", c["summary"])
        self.assertEqual(c["summary"], "chain does not verify: its RSA keys ask more work than the box gives one "
                                       "check (4980736 units: four RSA-8192 signatures)")
        self.assertFalse(c["details"]["trusted"])

    def test_an_https_check_says_which_rsa_work_it_refused(self):
        """An http check's full handshake checks the same signatures; what it refused to
        compute is said in words, not as mbedTLS's "bad input parameters"."""
        from hostile_keys import costly_chain, long_exponent_chain
        costly_chain(self.dir, "root", NAME, 8)
        long_exponent_chain(self.dir, "root", NAME)
        cat(self.dir, "longe.chain", "longe.crt")
        cases = (("costlyleaf", "costly.chain", "TLS handshake failed: the server's RSA keys ask more work than the "
                                                "box gives one connection"),
                 ("longeleaf", "longe.chain", "TLS: certificate does not verify: an RSA key in its chain has a public "
                                              "exponent over 64 bits"))
        for leaf, chain, summary in cases:
            with self.serve(leaf, chain, "-www") as port:
                doc = {"schema": 1, "trust_anchors_pem": self.root_pem, "defaults": {"timeout_ms": 4000},
                       "checks": [{"id": "h", "type": "http", "url": f"https://{HOST}:{port}/", "host_header": NAME}]}
                code, out, err = run_once(doc, timeout=60)
            self.assertIsNotNone(out, err[-2000:])
            c = out["checks"][0]
            self.assertEqual(c["status"], "critical", c["summary"])
            self.assertEqual(c["summary"], summary)

    # The legacy-protocol floor (item 3): a separate ClientHello offering only 1.1,
    # then only 1.0, on the first cycle of a check (so --once shows it).
    def test_a_server_still_accepting_tls10_and_11_is_a_warning(self):
        with self.serve("leaf", "inter.chain", "-min_protocol", "TLSv1", "-cipher", "DEFAULT@SECLEVEL=0") as port:
            c = self.check(port)
        self.assertEqual(c["status"], "warning", c["summary"])
        self.assertEqual(c["summary"], "server still accepts TLS 1.0 and 1.1 (dashboard: Disable TLSv1/TLSv1.1)")
        self.assertEqual(c["details"]["legacy_tls"], ["1.0", "1.1"])
        self.assertEqual(c["details"]["tls_version"], "1.2")

    def test_a_modern_server_refuses_the_legacy_hello(self):
        # Debian's OpenSSL: MinProtocol TLSv1.2 by default.
        with self.serve("leaf", "inter.chain") as port:
            c = self.check(port)
        self.assertEqual(c["status"], "ok", c["summary"])
        self.assertEqual(c["details"]["legacy_tls"], [])

    def test_a_tls10_only_server_is_named_as_such(self):
        with self.serve("leaf", "inter.chain", "-tls1", "-cipher", "DEFAULT@SECLEVEL=0") as port:
            c = self.check(port)
        self.assertEqual(c["status"], "critical", c["summary"])
        # OpenSSL answers the 1.2 hello with a 1.0 ServerHello (no alert).
        self.assertEqual(c["summary"], "TLS handshake failed: the server speaks only TLS 1.0 "
                                       "(it answered a TLS 1.2 hello with an older version)")
        self.assertEqual(c["details"]["legacy_tls"], ["1.0"])

    def test_a_refusal_names_the_alert_and_what_was_offered(self):
        # Only DHE suites in TLS 1.2 (the box offers ECDHE and RSA), no TLS 1.3.
        with self.serve("leaf", "inter.chain", "-tls1_2", "-cipher", "DHE-RSA-AES128-GCM-SHA256") as port:
            c = self.check(port)
        self.assertEqual(c["status"], "critical", c["summary"])
        self.assertEqual(c["summary"], "TLS handshake failed: alert handshake_failure to TLS 1.2 (ECDHE, RSA), "
                                       "protocol_version to 1.3 (ECDHE)")

    def test_earliest_cert_expiry_agrees_with_blackbox_exporter(self):
        if not os.path.exists(EXPORTER):
            self.fail("prometheus-blackbox-exporter is not installed (scripts/setup installs it)")
        with self.serve("leaf", "inter.chain") as port:
            theirs = self.blackbox(port)
            with running_sim(self.doc(port)) as (_, http):
                def scrape():
                    _, _, body = http_get(http, "/metrics")
                    s = parse(body.decode())
                    return s if s.get("probe_ssl_earliest_cert_expiry") else None
                ours = wait_for(scrape, 20)
        self.assertIsNotNone(ours, "/metrics never had the certificate")
        inter_expiry = not_after(self.dir, "inter.crt")
        self.assertEqual(theirs["probe_ssl_earliest_cert_expiry"], inter_expiry)
        self.assertEqual(ours["probe_ssl_earliest_cert_expiry"][0][1], theirs["probe_ssl_earliest_cert_expiry"])
        # The verified chain (root included) also ends with the intermediate here.
        self.assertEqual(ours["probe_ssl_last_chain_expiry_timestamp_seconds"][0][1],
                         theirs["probe_ssl_last_chain_expiry_timestamp_seconds"])
        self.assertEqual(ours["probe_tls_version_info"][0][0]["version"], "TLS 1.2")
        self.assertEqual(ours["probe_tls_version_info"][0][1], 1)

    def blackbox(self, port):
        """The exporter's own probe of the server (a tcp module with TLS, verifying to
        the same root), its metrics as {name: value}."""
        cfg = os.path.join(self.dir, "blackbox.yml")
        with open(cfg, "w") as f:
            f.write("modules:\n  tls:\n    prober: tcp\n    timeout: 5s\n    tcp:\n      preferred_ip_protocol: ip4\n"
                    f"      tls: true\n      tls_config:\n        ca_file: {self.dir}/root.crt\n"
                    f"        server_name: {NAME}\n")
        listen = free_port()
        proc = subprocess.Popen([EXPORTER, f"--config.file={cfg}", f"--web.listen-address=127.0.0.1:{listen}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            def probe():
                try:
                    url = f"http://127.0.0.1:{listen}/probe?module=tls&target=127.0.0.1:{port}"
                    with urllib.request.urlopen(url, timeout=10) as r:
                        return r.read().decode()
                except OSError:
                    return None
            text = wait_for(probe, 20)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        self.assertIsNotNone(text, "blackbox_exporter did not answer")
        values = {}
        for line in text.splitlines():
            m = re.match(r"^([a-z_]+)(\{[^}]*\})? (\S+)$", line)
            if m:
                values[m.group(1)] = float(m.group(3))
        self.assertEqual(values.get("probe_success"), 1.0, text)
        return values


if __name__ == "__main__":
    unittest.main()
