"""tls_cert against a local copy of the badssl.com scenario set (tests/lab/badssl_lab.py:
the openssl CLI makes the certificates, Debian's nginx serves each on its own port of
127.0.0.1): every scenario's verdict is the one spec/checks.md gives, with the details
that say why. One `--once` run checks all of them, as an operator's box would."""
import os
import sys
import time
import unittest

from simtest import HOST, run_once

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lab"))
import badssl_lab  # noqa: E402

NAME = badssl_lab.NAME
DAY = 86400

# label -> the spec's verdict. Why, in words, where it is not obvious:
VERDICTS = {
    "good": "ok",
    "expired": "critical",
    "not-yet-valid": "critical",
    "expires-in-10-days": "critical",   # <= cert_crit_days (14)
    "expires-in-20-days": "warning",    # <= cert_warn_days (30)
    "wrong-host": "critical",
    "self-signed": "critical",          # critical although it is in the anchors
    "untrusted-root": "critical",
    "incomplete-chain": "critical",
    "reversed-chain": "warning",        # verifies, but not leaf first then each issuer
    "long-chain": "ok",
    "sha1-leaf": "warning",
    "sha1-intermediate": "warning",
    "sha1-root-self-signature": "ok",   # a root's self-signature aside
    "md5-leaf": "warning",
    "expired-intermediate": "critical",  # any certificate sent expired
    "intermediate-expires-first": "warning",  # the chain breaks in 20 days
    "rsa512": "critical",
    "rsa1024": "critical",
    "rsa2048": "ok",
    "rsa4096": "ok",
    "rsa8192": "ok",
    "ecc256": "critical",               # the appliance needs an RSA key
    "ecc384": "critical",
    "no-subject": "ok",                 # names are in the SAN; the subject may be empty
    "cn-only": "critical",              # no CN fallback
    "wildcard": "ok",
    "wildcard-too-deep": "critical",    # a wildcard covers one label
    "1000-sans": "unknown",             # too big for this box, said with its size
    "10000-sans": "unknown",
    "tls-v1-0": "critical",
    "tls-v1-1": "critical",
    "tls-v1-2": "ok",
    "tls-v1-3": "ok",
    "legacy-accepted": "warning",       # still accepts TLS 1.0 and 1.1
    "dhe-only": "critical",             # no key exchange in common
    "not-tls": "critical",
}


class Badssl(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = badssl_lab.BadsslLab().__enter__()
        checks = [{"id": label, "type": "tls_cert", "host": HOST, "port": s["port"], "server_name": NAME,
                   "names": [NAME]} for label, s in sorted(cls.lab.scenarios.items())]
        # The same servers asked for a page (the appliance's /testall over HTTPS):
        # the http probe too must reach a server that accepts only TLS 1.3.
        checks += [{"id": f"http.{label}", "type": "http", "host_header": NAME,
                    "url": f"https://{HOST}:{cls.lab.scenarios[label]['port']}/"}
                   for label in ("tls-v1-2", "tls-v1-3")]
        doc = {"schema": 1, "trust_anchors_pem": cls.lab.anchors_pem,
               "defaults": {"timeout_ms": 8000}, "checks": checks}
        cls.now = time.time()
        code, out, err = run_once(doc, timeout=240)
        if out is None:
            raise AssertionError(f"--once gave no document (exit {code}): {err[-3000:]}")
        cls.results = {c["id"]: c for c in out["checks"]}

    @classmethod
    def tearDownClass(cls):
        cls.lab.__exit__(None, None, None)

    def result(self, label):
        return self.results[label], self.results[label].get("details") or {}

    def test_every_scenario_has_the_specs_verdict(self):
        self.assertEqual(set(VERDICTS), set(self.lab.scenarios), "the table covers the lab")
        wrong = {label: (self.results[label]["status"], self.results[label]["summary"])
                 for label, want in VERDICTS.items() if self.results[label]["status"] != want}
        self.assertEqual(wrong, {}, f"{len(wrong)} of {len(VERDICTS)} verdicts differ from the spec")

    def test_a_good_chain_in_full(self):
        c, d = self.result("good")
        self.assertTrue(d["trusted"], c["summary"])
        self.assertTrue(d["chain_complete"])
        self.assertTrue(d["chain_in_order"])
        self.assertFalse(d["self_signed"])
        self.assertFalse(d["weak_sig_in_chain"])
        self.assertEqual((d["key_type"], d["key_bits"]), ("RSA", 2048))
        self.assertEqual(d["tls_version"], "1.2")
        self.assertEqual(d["legacy_tls"], [])
        self.assertEqual(d["missing_names"], [])
        self.assertIn(NAME, d["subject"])

    def test_dates(self):
        self.assertLess(self.result("expired")[1]["days_left"], 0)
        self.assertIn(self.result("expires-in-10-days")[1]["days_left"], (9, 10))
        _, d = self.result("expired-intermediate")
        self.assertGreater(d["days_left"], 300)
        self.assertLess(self.epoch(d["chain_not_after"]), self.now)
        _, d = self.result("intermediate-expires-first")
        self.assertAlmostEqual(self.epoch(d["chain_not_after"]), self.lab.not_after("int-soon"), delta=1)
        self.assertAlmostEqual(self.epoch(d["not_after"]), self.lab.not_after("intermediate-expires-first"), delta=1)

    @staticmethod
    def epoch(iso):
        return time.mktime(time.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone

    def test_names(self):
        self.assertEqual(self.result("wrong-host")[1]["missing_names"], [NAME])
        self.assertEqual(self.result("cn-only")[1]["missing_names"], [NAME])
        self.assertEqual(self.result("wildcard-too-deep")[1]["missing_names"], [NAME])
        self.assertEqual(self.result("wildcard")[1]["missing_names"], [])
        self.assertEqual(self.result("no-subject")[1]["subject"], "")

    def test_chains(self):
        self.assertTrue(self.result("self-signed")[1]["self_signed"])
        self.assertFalse(self.result("untrusted-root")[1]["trusted"])
        self.assertFalse(self.result("incomplete-chain")[1]["chain_complete"])
        _, d = self.result("reversed-chain")
        self.assertFalse(d["chain_in_order"])
        self.assertTrue(d["trusted"])
        self.assertTrue(self.result("long-chain")[1]["chain_in_order"])

    def test_weak_signatures(self):
        for label in ("sha1-leaf", "sha1-intermediate", "md5-leaf"):
            self.assertTrue(self.result(label)[1]["weak_sig_in_chain"], label)
        self.assertFalse(self.result("sha1-root-self-signature")[1]["weak_sig_in_chain"])

    def test_keys(self):
        for bits in (1024, 2048, 4096, 8192):
            _, d = self.result(f"rsa{bits}")
            self.assertEqual((d["key_type"], d["key_bits"]), ("RSA", bits))
        for label, bits in (("ecc256", 256), ("ecc384", 384)):
            _, d = self.result(label)
            self.assertEqual((d["key_type"], d["key_bits"]), ("EC", bits))

    def test_chains_too_big_for_the_box_say_their_size(self):
        for label in ("1000-sans", "10000-sans"):
            c, d = self.result(label)
            self.assertGreater(d["chain_bytes"], d["chain_limit_bytes"], c["summary"])
            self.assertGreater(d["chain_bytes"], self.lab.der_length(label), c["summary"])
            self.assertIn(f"certificate chain of {d['chain_bytes']} bytes", c["summary"])

    def test_protocol_versions(self):
        self.assertEqual(self.result("tls-v1-2")[1]["tls_version"], "1.2")
        self.assertEqual(self.result("tls-v1-3")[1]["tls_version"], "1.3")
        _, d = self.result("legacy-accepted")
        self.assertEqual(d["tls_version"], "1.2")
        self.assertEqual(sorted(d["legacy_tls"]), ["1.0", "1.1"])
        for label, version in (("tls-v1-0", "1.0"), ("tls-v1-1", "1.1")):
            c, d = self.result(label)
            self.assertIn(f"TLS {version}", c["summary"])
            self.assertEqual(d["legacy_tls"], [version], c["summary"])

    def test_https_requests_reach_a_server_that_accepts_only_tls13(self):
        for label in ("http.tls-v1-2", "http.tls-v1-3"):
            c, d = self.result(label)
            self.assertEqual((c["status"], d.get("http_status")), ("ok", 200), f"{label}: {c['summary']}")

    def test_failures_are_named(self):
        self.assertIn("handshake_failure", self.result("dhe-only")[0]["summary"])
        self.assertNotIn("?", self.result("not-tls")[0]["summary"])


if __name__ == "__main__":
    unittest.main()
