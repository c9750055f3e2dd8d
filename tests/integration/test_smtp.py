"""The smtp probe against the lab's aiosmtpd relays and hostile ones: every verdict
rule of checks.md. The relays record every command they get: the credentials reach
only a relay whose certificate verifies for its name, or a plain one with
allow_auth_without_tls."""
import json
import os
import tempfile
import unittest

from simtest import HOST, by_id, http_get, lab_session, run_once, running_sim, wait_for

RELAY_NAME = "relay.lab.test"  # the name on the lab relays' certificate (tls_lab.py)


def commands(relay):
    with open(relay["commands"]) as f:
        return f.read().splitlines()


class Smtp(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = lab_session(cls)
        cls.smtp = cls.lab.ports["smtp"]

    @classmethod
    def tearDownClass(cls):
        cls.lab.down()

    def run_checks(self, *checks, anchors=True, lab_root_public=False):
        """`lab_root_public`: the lab's CA as the simulator's test set of public roots."""
        doc = {"schema": 1, "defaults": {"timeout_ms": 4000},
               "checks": [dict({"type": "smtp", "host": HOST}, **c) for c in checks]}
        if anchors:
            doc["trust_anchors_pem"] = self.lab.ports["tls"]["root_pem"]
        with tempfile.TemporaryDirectory() as tmp:
            args = ()
            if lab_root_public:
                path = os.path.join(tmp, "roots.pem")
                with open(path, "w") as f:
                    f.write(self.lab.ports["tls"]["root_pem"])
                args = ("--public-roots-pem", path)
            code, out, err = run_once(doc, extra_args=args)
        self.assertIsNotNone(out, err)
        return by_id(out)

    def new_commands(self, relay, since):
        return commands(self.smtp[relay])[since:]

    def test_verdicts(self):
        ok, nostarttls, loginonly = (self.smtp[k]["port"] for k in ("ok", "no-starttls", "login-only"))
        clear_seen = len(commands(self.smtp["no-starttls"]))
        r = self.run_checks(
            {"id": "good", "port": ok, "server_name": RELAY_NAME, "username": "probe", "password": "secret"},
            {"id": "bad-password", "port": ok, "server_name": RELAY_NAME, "username": "probe", "password": "wrong"},
            {"id": "no-login", "port": ok, "server_name": RELAY_NAME},
            {"id": "clear-prefer", "port": nostarttls, "username": "probe", "password": "secret"},
            {"id": "clear-require", "port": nostarttls, "starttls": "require"},
            {"id": "never", "port": nostarttls, "starttls": "never", "username": "probe", "password": "secret"},
            {"id": "no-plain", "port": loginonly, "server_name": RELAY_NAME, "username": "probe", "password": "secret"},
        )
        good = r["good"]
        self.assertEqual(good["status"], "ok", good["summary"])
        self.assertEqual(good["details"]["starttls"], True)
        self.assertTrue(good["details"]["auth_plain"])
        self.assertTrue(good["details"]["auth_ok"])
        self.assertIn("PLAIN", good["details"]["auth_mechanisms"])
        self.assertTrue(good["details"]["banner"])
        self.assertEqual(good["group"], "smtp")
        self.assertTrue(good["details"]["tls_trusted"])
        self.assertIn(RELAY_NAME, good["details"]["tls_subject"])
        self.assertGreater(good["details"]["tls_days_left"], 300)

        self.assertEqual(r["bad-password"]["status"], "critical")
        self.assertFalse(r["bad-password"]["details"]["auth_ok"])
        self.assertEqual(r["no-login"]["status"], "ok")
        self.assertIsNone(r["no-login"]["details"]["auth_ok"])

        # STARTTLS not offered: the mechanisms are read, no login is tried.
        clear = r["clear-prefer"]
        self.assertEqual(clear["status"], "warning", clear["summary"])
        self.assertIn("credentials would cross the LAN in clear", clear["summary"])
        self.assertIsNone(clear["details"]["auth_ok"])
        self.assertTrue(clear["details"]["auth_plain"])
        self.assertIn("PLAIN", clear["details"]["auth_mechanisms"])
        self.assertFalse(clear["details"]["starttls"])
        self.assertIsNone(clear["details"]["tls_trusted"])
        self.assertIsNone(clear["details"]["tls_days_left"])
        self.assertEqual(r["never"]["status"], "warning", r["never"]["summary"])
        self.assertIsNone(r["never"]["details"]["auth_ok"])
        self.assertEqual(r["clear-require"]["status"], "critical")
        self.assertIn("STARTTLS", r["clear-require"]["summary"])
        got = self.new_commands("no-starttls", clear_seen)
        self.assertIn("EHLO clear", got)
        self.assertFalse([c for c in got if c.startswith("AUTH")], got)

        self.assertEqual(r["no-plain"]["status"], "critical")
        self.assertFalse(r["no-plain"]["details"]["auth_plain"])
        self.assertIn("AUTH PLAIN", r["no-plain"]["summary"])

    def test_credentials_reach_only_a_verified_relay(self):
        ok, selfsigned, other = (self.smtp[k]["port"] for k in ("ok", "self-signed", "other-name"))
        login = {"username": "probe", "password": "secret", "server_name": RELAY_NAME}
        seen = {k: len(commands(self.smtp[k])) for k in ("ok", "self-signed", "other-name")}
        r = self.run_checks(
            dict(login, id="self-signed-prefer", port=selfsigned),
            dict(login, id="self-signed-require", port=selfsigned, starttls="require"),
            dict(login, id="other-name-prefer", port=other),
            dict(login, id="other-name-require", port=other, starttls="require"),
            dict(login, id="good", port=ok))
        for relay in ("self-signed", "other-name"):
            got = self.new_commands(relay, seen[relay])
            self.assertIn("STARTTLS clear", got)
            self.assertIn("EHLO tls", got)  # the dialogue went on under TLS: the mechanisms are read
            self.assertFalse([c for c in got if c.startswith("AUTH")], (relay, got))
        self.assertEqual([c for c in self.new_commands("ok", seen["ok"]) if c.startswith("AUTH")], ["AUTH tls"])

        for check, fault in (("self-signed", "not trusted"), ("other-name", f"not for {RELAY_NAME}")):
            prefer, require = r[f"{check}-prefer"], r[f"{check}-require"]
            self.assertEqual(prefer["status"], "warning", prefer["summary"])
            self.assertEqual(require["status"], "critical", require["summary"])
            for c in (prefer, require):
                self.assertIn(fault, c["summary"])
                self.assertIsNone(c["details"]["auth_ok"])
                self.assertTrue(c["details"]["starttls"])
                self.assertGreater(c["details"]["tls_days_left"], 300)
        self.assertFalse(r["self-signed-prefer"]["details"]["tls_trusted"])
        self.assertIn("manage.lab.test", r["self-signed-prefer"]["details"]["tls_subject"])
        self.assertTrue(r["other-name-prefer"]["details"]["tls_trusted"])  # the lab CA issued it
        self.assertIn("mail.other.test", r["other-name-prefer"]["details"]["tls_subject"])
        self.assertEqual(r["good"]["status"], "ok", r["good"]["summary"])
        self.assertTrue(r["good"]["details"]["auth_ok"])

    def test_no_anchors_or_no_name_means_no_credentials(self):
        ok = self.smtp["ok"]["port"]
        seen = len(commands(self.smtp["ok"]))
        # A host given as an address, no server_name: nothing to hold the certificate to.
        r = self.run_checks({"id": "by-address", "port": ok, "username": "probe", "password": "secret"})
        self.assertEqual(r["by-address"]["status"], "warning", r["by-address"]["summary"])
        self.assertIn("no server_name", r["by-address"]["summary"])
        # No trust anchors: nothing verifies.
        r2 = self.run_checks({"id": "no-anchors", "port": ok, "server_name": RELAY_NAME, "starttls": "require",
                              "username": "probe", "password": "secret"}, anchors=False)
        self.assertEqual(r2["no-anchors"]["status"], "critical", r2["no-anchors"]["summary"])
        self.assertFalse(r2["no-anchors"]["details"]["tls_trusted"])
        got = self.new_commands("ok", seen)
        self.assertEqual(got.count("EHLO tls"), 2, got)
        self.assertFalse([c for c in got if c.startswith("AUTH")], got)

    def test_credentials_reach_a_relay_verified_by_the_public_roots(self):
        """No anchors, the lab's CA as a public root: the relay's certificate verifies
        and the login goes; with public_roots false it does not."""
        ok = self.smtp["ok"]["port"]
        login = {"port": ok, "server_name": RELAY_NAME, "starttls": "require", "username": "probe",
                 "password": "secret"}
        seen = len(commands(self.smtp["ok"]))
        r = self.run_checks(dict(login, id="public"), anchors=False, lab_root_public=True)
        self.assertEqual(r["public"]["status"], "ok", r["public"]["summary"])
        self.assertTrue(r["public"]["details"]["tls_trusted"])
        self.assertTrue(r["public"]["details"]["auth_ok"])
        self.assertEqual([c for c in self.new_commands("ok", seen) if c.startswith("AUTH")], ["AUTH tls"])
        seen = len(commands(self.smtp["ok"]))
        r = self.run_checks(dict(login, id="off", public_roots=False), anchors=False, lab_root_public=True)
        self.assertEqual(r["off"]["status"], "critical", r["off"]["summary"])
        self.assertFalse([c for c in self.new_commands("ok", seen) if c.startswith("AUTH")])

    def test_login_in_clear_only_when_allowed(self):
        seen = len(commands(self.smtp["no-starttls"]))
        r = self.run_checks({"id": "allowed", "port": self.smtp["no-starttls"]["port"], "username": "probe",
                             "password": "secret", "allow_auth_without_tls": True})
        allowed = r["allowed"]
        self.assertEqual(allowed["status"], "warning", allowed["summary"])
        self.assertIn("STARTTLS not offered", allowed["summary"])
        self.assertTrue(allowed["details"]["auth_ok"])
        self.assertIn("AUTH clear", self.new_commands("no-starttls", seen))

    def test_hostile_relays_end_cleanly_and_the_next_cycle_works(self):
        r = self.run_checks({"id": "endless", "port": self.smtp["endless"]["port"]},
                            {"id": "chatty", "port": self.smtp["chatty"]["port"]},
                            {"id": "good", "port": self.smtp["ok"]["port"], "server_name": RELAY_NAME,
                             "username": "probe", "password": "secret"})
        self.assertEqual(r["endless"]["status"], "critical")
        self.assertIn("too long", r["endless"]["summary"])
        self.assertEqual(r["chatty"]["status"], "critical")
        self.assertIn("too many lines", r["chatty"]["summary"])
        self.assertEqual(r["good"]["status"], "ok")

    def test_the_next_cycle_resumes_the_relays_session_and_still_judges_its_certificate(self):
        doc = {"schema": 1, "defaults": {"interval_s": 2, "timeout_ms": 2000},
               "trust_anchors_pem": self.lab.ports["tls"]["root_pem"],
               "checks": [{"id": "relay", "type": "smtp", "host": HOST, "port": self.smtp["ok"]["port"],
                           "server_name": RELAY_NAME, "username": "probe", "password": "secret"}]}
        seen = []

        def resumed_once():
            c = by_id(json.loads(http_get(port, "/api/status")[2]))["relay"]
            details = (c.get("last") or c).get("details") or {}
            if details and (not seen or seen[-1] != details):
                seen.append(details)
            return details.get("tls_resumed") is True and details

        with running_sim(doc) as (_, port):
            d = wait_for(resumed_once, 30, 0.3)
        self.assertTrue(d, f"no resumed STARTTLS session in 30 s: {seen}")
        self.assertFalse(seen[0].get("tls_resumed"), "the first session is a full handshake")
        # The certificate the session was made with is judged again, not forgotten.
        self.assertTrue(d["tls_trusted"])
        self.assertGreater(d["tls_days_left"], 0)
        self.assertIn(RELAY_NAME, d["tls_subject"])
        self.assertTrue(d["auth_ok"])

    def test_a_relay_that_accepts_only_tls13_gets_the_login_and_resumes_in_tls13(self):
        """The first STARTTLS offers TLS 1.2 and is refused; the dialogue starts again in
        1.3 within the check's deadline. Later cycles ask in 1.3 at once and resume the
        relay's ticket (OpenSSL's, sent after the handshake), the certificate judged again
        from what was kept of it (a 1.3 session saves none)."""
        relay = self.smtp["tls13-only"]
        since = len(commands(relay))
        doc = {"schema": 1, "defaults": {"interval_s": 3, "timeout_ms": 3000},
               "trust_anchors_pem": self.lab.ports["tls"]["root_pem"],
               "checks": [{"id": "relay", "type": "smtp", "host": HOST, "port": relay["port"],
                           "server_name": RELAY_NAME, "username": "probe", "password": "secret",
                           "starttls": "require"}]}
        seen = []

        def resumed_once():
            c = by_id(json.loads(http_get(port, "/api/status")[2]))["relay"]
            last = c.get("last") or c
            details = last.get("details") or {}
            if details and (not seen or seen[-1] != (last.get("status"), details)):
                seen.append((last.get("status"), details))
            return details.get("tls_resumed") is True and (last.get("status"), details)

        with running_sim(doc) as (_, port):
            got = wait_for(resumed_once, 30, 0.3)
        self.assertTrue(got, f"no resumed TLS 1.3 session in 30 s: {seen}")
        first_status, first = seen[0]
        self.assertEqual(first_status, "ok", seen[0])
        self.assertEqual(first["tls_version"], "1.3")
        self.assertFalse(first["tls_resumed"])
        status, d = got
        self.assertEqual(status, "ok", d)
        self.assertEqual(d["tls_version"], "1.3")
        self.assertTrue(d["tls_trusted"])
        self.assertGreater(d["tls_days_left"], 0)
        self.assertIn(RELAY_NAME, d["tls_subject"])
        self.assertTrue(d["auth_ok"])
        # Every login went inside TLS.
        self.assertNotIn("AUTH clear", self.new_commands("tls13-only", since))
        self.assertIn("AUTH tls", self.new_commands("tls13-only", since))

    def test_relay_down(self):
        r = self.run_checks({"id": "down", "port": self.lab.ports["isolated"]})
        self.assertEqual(r["down"]["status"], "critical")


if __name__ == "__main__":
    unittest.main()
