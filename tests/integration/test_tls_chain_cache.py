"""The verified-chain cache of the tls_cert probe (issue 17 item 6): the same chain
seen again (four names on one load balancer, the next cycle) comes from the cache
with the verdict a full verification gives, and a changed certificate on the same
host:port is verified again and judged anew."""
import json
import os
import sys
import unittest

from simtest import HOST, by_id, free_port, http_get, lab_session, run_once, running_sim, wait_for

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lab"))
from chain_server import ChainServer  # noqa: E402

NAMES = ["manage.lab.test", "rta.lab.test", "webtask.lab.test", "app1.lab.test"]


class TlsChainCache(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = lab_session(cls)
        cls.tls = cls.lab.ports["tls"]
        cls.pki = os.path.join(cls.lab.dir, "pki")

    @classmethod
    def tearDownClass(cls):
        cls.lab.down()

    def check(self, cid, label_or_port, server_name="manage.lab.test"):
        port = label_or_port if isinstance(label_or_port, int) else self.tls["scenarios"][label_or_port]["port"]
        return {"id": cid, "type": "tls_cert", "host": HOST, "port": port, "server_name": server_name, "names": NAMES}

    def test_four_names_on_one_balancer_verify_the_chain_once(self):
        checks = [self.check(name.split(".")[0], "good", name) for name in NAMES] + [self.check("other", "wildcard")]
        doc = {"schema": 1, "trust_anchors_pem": self.tls["root_pem"], "defaults": {"timeout_ms": 8000},
               "checks": checks}
        code, out, err = run_once(doc, timeout=120)
        self.assertIsNotNone(out, err)
        r = by_id(out)
        same = [r[name.split(".")[0]] for name in NAMES]
        for c in same:
            self.assertEqual(c["status"], "ok", c["summary"])
        cached = [c["details"]["chain_cached"] for c in same]
        self.assertEqual(cached.count(False), 1, cached)  # the first one judged verified it
        self.assertEqual(cached.count(True), 3, cached)
        # A hit reports what the miss reported, detail for detail.
        strip = lambda c: {k: v for k, v in c["details"].items() if k != "chain_cached"}
        # The summary names each check's own server_name: the rest of it is the same.
        said = lambda c: c["summary"].replace(f'{c["id"]}.lab.test', "NAME")
        miss = same[cached.index(False)]
        for c in same:
            self.assertEqual(strip(c), strip(miss))
            self.assertEqual(said(c), said(miss))
        # Another chain is another key.
        self.assertFalse(r["other"]["details"]["chain_cached"])
        self.assertEqual(r["other"]["details"]["sans"], ["*.lab.test"])

    def test_the_next_cycle_hits_and_a_renewed_certificate_is_judged_anew(self):
        server = ChainServer(self.pki, "good", port=free_port())
        try:
            doc = {"schema": 1, "trust_anchors_pem": self.tls["root_pem"],
                   "defaults": {"interval_s": 1, "timeout_ms": 900, "cert_warn_days": 30, "cert_crit_days": 14},
                   "checks": [self.check("lb", server.port)]}

            def lb(api_port):
                return by_id(json.loads(http_get(api_port, "/api/status")[2]))["lb"]

            with running_sim(doc) as (_, api_port):
                hit = wait_for(lambda: (lambda c: c if c["details"].get("chain_cached") else None)(lb(api_port)), 20)
                self.assertIsNotNone(hit, "no cycle answered from the cache")
                self.assertEqual(hit["status"], "ok", hit["summary"])
                self.assertEqual(hit["details"]["sha256"], self.tls["scenarios"]["good"]["sha256"])
                # The same host and port now serve a certificate expiring in 5 days.
                server.serve("crit")
                crit_sha = self.tls["scenarios"]["crit"]["sha256"]
                renewed = wait_for(lambda: (lambda c: c if c["details"].get("sha256") == crit_sha else None)(
                    lb(api_port)), 20)
                self.assertIsNotNone(renewed, "the new certificate was never seen")
                self.assertFalse(renewed["details"]["chain_cached"], "a changed chain must be verified again")
                self.assertEqual(renewed["status"], "critical", renewed["summary"])
                self.assertIn(renewed["details"]["days_left"], (4, 5))
                # And the new chain is cached in its turn, with its own verdict.
                again = wait_for(lambda: (lambda c: c if c["details"].get("chain_cached") and
                                          c["details"].get("sha256") == crit_sha else None)(lb(api_port)), 20)
                self.assertIsNotNone(again)
                self.assertEqual(again["status"], "critical", again["summary"])
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main()
