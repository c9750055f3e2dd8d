"""The smtp probe against the lab's aiosmtpd relays and hostile ones: every verdict
rule of checks.md."""
import unittest

from simtest import HOST, by_id, lab_session, run_once


class Smtp(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = lab_session(cls)
        cls.smtp = cls.lab.ports["smtp"]

    @classmethod
    def tearDownClass(cls):
        cls.lab.down()

    def run_checks(self, *checks):
        doc = {"schema": 1, "defaults": {"timeout_ms": 4000},
               "checks": [dict({"type": "smtp", "host": HOST}, **c) for c in checks]}
        code, out, err = run_once(doc)
        self.assertIsNotNone(out, err)
        return by_id(out)

    def test_verdicts(self):
        ok, nostarttls, loginonly = (self.smtp[k]["port"] for k in ("ok", "no-starttls", "login-only"))
        r = self.run_checks(
            {"id": "good", "port": ok, "username": "probe", "password": "secret"},
            {"id": "bad-password", "port": ok, "username": "probe", "password": "wrong"},
            {"id": "no-login", "port": ok},
            {"id": "clear-prefer", "port": nostarttls, "username": "probe", "password": "secret"},
            {"id": "clear-require", "port": nostarttls, "starttls": "require"},
            {"id": "never", "port": nostarttls, "starttls": "never", "username": "probe", "password": "secret"},
            {"id": "no-plain", "port": loginonly, "username": "probe", "password": "secret"},
        )
        good = r["good"]
        self.assertEqual(good["status"], "ok", good["summary"])
        self.assertEqual(good["details"]["starttls"], True)
        self.assertTrue(good["details"]["auth_plain"])
        self.assertTrue(good["details"]["auth_ok"])
        self.assertIn("PLAIN", good["details"]["auth_mechanisms"])
        self.assertTrue(good["details"]["banner"])
        self.assertEqual(good["group"], "smtp")

        self.assertEqual(r["bad-password"]["status"], "critical")
        self.assertFalse(r["bad-password"]["details"]["auth_ok"])
        self.assertEqual(r["no-login"]["status"], "ok")
        self.assertIsNone(r["no-login"]["details"]["auth_ok"])

        self.assertEqual(r["clear-prefer"]["status"], "warning", r["clear-prefer"]["summary"])
        self.assertTrue(r["clear-prefer"]["details"]["auth_ok"])
        self.assertFalse(r["clear-prefer"]["details"]["starttls"])
        self.assertEqual(r["clear-require"]["status"], "critical")
        self.assertIn("STARTTLS", r["clear-require"]["summary"])

        self.assertEqual(r["no-plain"]["status"], "critical")
        self.assertFalse(r["no-plain"]["details"]["auth_plain"])
        self.assertIn("AUTH PLAIN", r["no-plain"]["summary"])

    def test_hostile_relays_end_cleanly_and_the_next_cycle_works(self):
        r = self.run_checks({"id": "endless", "port": self.smtp["endless"]["port"]},
                            {"id": "chatty", "port": self.smtp["chatty"]["port"]},
                            {"id": "good", "port": self.smtp["ok"]["port"], "username": "probe", "password": "secret"})
        self.assertEqual(r["endless"]["status"], "critical")
        self.assertIn("too long", r["endless"]["summary"])
        self.assertEqual(r["chatty"]["status"], "critical")
        self.assertIn("too many lines", r["chatty"]["summary"])
        self.assertEqual(r["good"]["status"], "ok")

    def test_relay_down(self):
        r = self.run_checks({"id": "down", "port": self.lab.ports["isolated"]})
        self.assertEqual(r["down"]["status"], "critical")


if __name__ == "__main__":
    unittest.main()
