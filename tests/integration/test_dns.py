"""The dns probe against dnsmasq in the lab: every verdict rule of checks.md."""
import unittest

from simtest import HOST, by_id, lab_session, run_once


class Dns(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = lab_session(cls)
        cls.server = f"{HOST}:{cls.lab.ports['dns']}"

    @classmethod
    def tearDownClass(cls):
        cls.lab.down()

    def run_checks(self, *checks):
        doc = {"schema": 1, "defaults": {"timeout_ms": 2000},
               "checks": [dict({"type": "dns", "server": self.server}, **c) for c in checks]}
        code, out, err = run_once(doc)
        self.assertIsNotNone(out, err)
        return by_id(out)

    def test_verdicts(self):
        r = self.run_checks(
            {"id": "good", "name": "manage.lab.test", "expect_addresses": ["10.0.2.2"]},
            {"id": "nx", "name": "missing.lab.test"},
            {"id": "refused", "name": "www.example.invalid"},
            {"id": "extra", "name": "extra.lab.test", "expect_addresses": ["10.0.2.2"]},
            {"id": "wrong", "name": "rta.lab.test", "expect_addresses": ["127.0.0.9"]},
            {"id": "alias", "name": "alias.lab.test"},
            {"id": "empty", "name": "webtask.lab.test", "record": "AAAA"},
            {"id": "truncated", "name": "many.lab.test"},
        )
        self.assertEqual(r["good"]["status"], "ok", r["good"]["summary"])
        self.assertEqual(r["good"]["details"]["rcode"], "NOERROR")
        self.assertEqual(r["good"]["details"]["addresses"], ["10.0.2.2"])
        self.assertIsInstance(r["good"]["details"]["ttl"], int)
        self.assertEqual(r["good"]["group"], "dns")

        self.assertEqual(r["nx"]["status"], "critical")
        self.assertEqual(r["nx"]["details"]["rcode"], "NXDOMAIN")
        self.assertEqual(r["refused"]["status"], "critical")
        self.assertEqual(r["refused"]["details"]["rcode"], "REFUSED")

        self.assertEqual(r["extra"]["status"], "warning", r["extra"]["summary"])
        self.assertEqual(sorted(r["extra"]["details"]["addresses"]), ["10.0.2.2", "127.0.0.2"])
        self.assertEqual(r["wrong"]["status"], "critical", r["wrong"]["summary"])

        self.assertEqual(r["alias"]["status"], "ok")
        self.assertEqual(r["alias"]["details"]["cname"], "manage.lab.test")
        self.assertEqual(r["alias"]["details"]["addresses"], ["10.0.2.2"])

        self.assertEqual(r["empty"]["status"], "critical")
        self.assertEqual(r["empty"]["details"]["addresses"], [])
        self.assertIn("empty answer", r["empty"]["summary"])

        self.assertEqual(r["truncated"]["status"], "ok", r["truncated"]["summary"])
        self.assertEqual(len(r["truncated"]["details"]["addresses"]), 16)  # kMaxAddresses, read over TCP

    def test_resolver_down_times_out(self):
        self.lab.set("dns", "down")
        try:
            r = self.run_checks({"id": "down", "name": "manage.lab.test", "timeout_ms": 1000})
        finally:
            self.lab.set("dns", "up")
            self.lab._wait_dns()
        self.assertEqual(r["down"]["status"], "critical")
        self.assertIsNone(r["down"]["details"]["rcode"])
        self.assertGreaterEqual(r["down"]["latency_ms"], 1000)

    def test_check_target_by_name_resolves_through_network_dns(self):
        # A tcp check aimed at a name: resolved by the box's own resolver (network.dns).
        doc = {"schema": 1, "network": {"dns": [self.server]},
               "checks": [{"id": "by-name", "type": "tcp", "host": "node1.lab.test",
                           "port": self.lab.ports["mesh"][0]}]}
        code, out, err = run_once(doc)
        self.assertEqual(code, 0, err)
        self.assertEqual(out["checks"][0]["status"], "ok")


if __name__ == "__main__":
    unittest.main()
