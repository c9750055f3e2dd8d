"""The ntp probe against the lab's SNTP responder: every verdict rule of checks.md."""
import unittest

from simtest import HOST, by_id, lab_session, run_once


class Ntp(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = lab_session(cls)
        cls.server = f"{HOST}:{cls.lab.ports['sntp']}"

    @classmethod
    def tearDownClass(cls):
        cls.lab.down()

    def run_mode(self, mode, **check):
        self.lab.set("sntp", mode)
        doc = {"schema": 1, "defaults": {"timeout_ms": 2000, "ntp_warn_ms": 500, "ntp_crit_ms": 2000},
               "checks": [dict({"id": "ntp", "type": "ntp", "server": self.server}, **check)]}
        code, out, err = run_once(doc)
        self.assertIsNotNone(out, err)
        return code, by_id(out)["ntp"]

    def test_in_sync_is_ok(self):
        code, c = self.run_mode("ok")
        self.assertEqual(c["status"], "ok", c["summary"])
        self.assertEqual(code, 0)
        self.assertLess(abs(c["details"]["offset_ms"]), 100)
        self.assertGreaterEqual(c["details"]["rtt_ms"], 0)
        self.assertEqual(c["details"]["stratum"], 2)
        self.assertEqual(c["group"], "time")

    def test_offset_beyond_warn_is_warning(self):
        code, c = self.run_mode("offset:900")
        self.assertEqual(c["status"], "warning", c["summary"])
        self.assertAlmostEqual(c["details"]["offset_ms"], 900, delta=100)

    def test_negative_offset_beyond_crit_is_critical(self):
        code, c = self.run_mode("offset:-3000")
        self.assertEqual(c["status"], "critical", c["summary"])
        self.assertAlmostEqual(c["details"]["offset_ms"], -3000, delta=100)

    def test_kiss_of_death_is_critical(self):
        code, c = self.run_mode("kod")
        self.assertEqual(c["status"], "critical")
        self.assertEqual(c["details"]["stratum"], 0)
        self.assertIn("RATE", c["summary"])

    def test_unsynchronised_server_is_critical(self):
        code, c = self.run_mode("unsync")
        self.assertEqual(c["status"], "critical")
        self.assertEqual(c["details"]["stratum"], 16)

    def test_no_reply_is_critical_at_the_deadline(self):
        code, c = self.run_mode("silent", timeout_ms=1000)
        self.assertEqual(c["status"], "critical")
        self.assertIsNone(c["details"]["offset_ms"])
        self.assertGreaterEqual(c["latency_ms"], 1000)
        self.assertLess(c["latency_ms"], 1300)


if __name__ == "__main__":
    unittest.main()
