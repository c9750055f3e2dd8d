"""Mail alerts through a real relay (aiosmtpd on 127.0.0.1, STARTTLS then AUTH
PLAIN): a lab service stops and the alert arrives with a clear subject, it comes
back and the recovery mail arrives; a relay that is down costs no probe anything
and the changes are counted as pending, then delivered once it answers."""
import contextlib
import email
import glob
import json
import os
import time
import unittest

from simtest import HOST, Listener, by_id, free_port, http_get, lab_session, running_sim, wait_for


def mails(directory):
    out = []
    for path in sorted(glob.glob(os.path.join(directory, "*.eml"))):
        with open(path, "rb") as f:
            out.append(email.message_from_bytes(f.read()))
    return out


class MailAlerts(unittest.TestCase):
    def test_alert_and_recovery_mail(self):
        lab = lab_session(self)
        try:
            mesh = lab.ports["mesh"][1]
            relay = lab.ports["smtp"]["ok"]["port"]
            mail_dir = lab.ports["smtp"].get("mail_dir") or os.path.join(lab.dir, "mail")
            seen = len(mails(mail_dir))
            doc = {"schema": 1, "device": {"name": "probe-mail"}, "trust_anchors_pem": lab.ports["tls"]["root_pem"],
                   "defaults": {"interval_s": 1, "timeout_ms": 800, "confirm": 2},
                   "checks": [{"id": "node1-mesh", "type": "tcp", "host": HOST, "port": mesh},
                              {"id": "relay", "type": "smtp", "host": HOST, "port": relay, "username": "probe",
                               "password": "secret", "server_name": "relay.lab.test",
                               "interval_s": 30, "timeout_ms": 5000}],
                   "alerts": {"mail": {"to": ["ops@lab.test", "oncall@lab.test"], "from": "probe-mail@lab.test"}}}
            with running_sim(doc) as (proc, port):
                self.assertTrue(wait_for(lambda: by_id(json.loads(http_get(port, "/api/status")[2]))["node1-mesh"]["hard"] == "ok", 20))
                lab.set(f"tcp:{mesh}", "closed")
                try:
                    got = wait_for(lambda: [m for m in mails(mail_dir)[seen:] if "CRITICAL" in (m["Subject"] or "")], 45)
                    self.assertTrue(got, "no alert mail for the stopped service")
                    alert = got[0]
                    self.assertEqual(alert["Subject"], f"[probe-mail] CRITICAL node1-mesh: 10.0.2.2:{mesh} refused")
                    self.assertEqual(alert["From"], "probe-mail@lab.test")
                    self.assertIn("oncall@lab.test", alert["To"])
                    body = alert.get_payload()
                    self.assertIn("OK -> CRITICAL  node1-mesh  (group ports)", body)
                    self.assertIn("after 2 confirmation(s)", body)
                finally:
                    lab.set(f"tcp:{mesh}", "open")
                back = wait_for(lambda: [m for m in mails(mail_dir)[seen:] if (m["Subject"] or "").startswith("[probe-mail] OK node1-mesh")], 45)
                self.assertTrue(back, "no recovery mail")
                diag = json.loads(http_get(port, "/api/diagnostics")[2])
                self.assertGreaterEqual(diag["mail"]["sent"], 2)
                self.assertEqual(diag["mail"]["dropped"], 0)
                # One message per change: exactly the two, nothing for the first results.
                ours = [m for m in mails(mail_dir)[seen:] if "node1-mesh" in (m["Subject"] or "")]
                self.assertEqual(len(ours), 2, [m["Subject"] for m in ours])
        finally:
            lab.down()

    def test_credentials_reach_only_a_verified_relay(self):
        """The alerter speaks to the smtp check's relay with its credentials: a relay
        without STARTTLS, with a self-signed certificate or with one for another name
        never gets AUTH and the mail stays pending; allow_auth_without_tls lets the
        plain relay have the login and the mail."""
        lab = lab_session(self)
        try:
            relays = lab.ports["smtp"]
            mail_dir = relays.get("mail_dir") or os.path.join(lab.dir, "mail")
            seen_mail = len(mails(mail_dir))
            def log(relay):
                with open(relays[relay]["commands"]) as f:
                    return f.read().splitlines()

            def doc(name, relay, **extra):
                # A check that is critical from its first result: one alert to send.
                return {"schema": 1, "device": {"name": f"probe-{name}"},
                        "trust_anchors_pem": lab.ports["tls"]["root_pem"],
                        "defaults": {"interval_s": 1, "timeout_ms": 800, "confirm": 1},
                        "checks": [{"id": "down", "type": "tcp", "host": HOST, "port": free_port()},
                                   dict({"id": "relay", "type": "smtp", "host": HOST,
                                         "port": relays[relay]["port"], "server_name": "relay.lab.test",
                                         "username": "probe", "password": "secret", "interval_s": 60,
                                         "timeout_ms": 5000}, **extra)],
                        "alerts": {"mail": {"to": ["ops@lab.test"], "from": f"probe-{name}@lab.test"}}}

            def mail_state(port):
                return json.loads(http_get(port, "/api/diagnostics")[2])["mail"]

            def run(docs):
                with contextlib.ExitStack() as stack:
                    sims = {name: stack.enter_context(running_sim(d))[1] for name, d in docs.items()}
                    done = wait_for(lambda: all(mail_state(p)["failed_attempts"] + mail_state(p)["sent"] >= 1
                                                for p in sims.values()), 40)
                    states = {n: mail_state(p) for n, p in sims.items()}
                    self.assertTrue(done, states)
                    return states

            hostile = ("no-starttls", "self-signed", "other-name")
            seen = {relay: len(log(relay)) for relay in hostile}
            states = run({relay: doc(relay, relay) for relay in hostile})
            for relay in hostile:
                self.assertEqual(states[relay]["sent"], 0, (relay, states[relay]))
                self.assertGreaterEqual(states[relay]["pending"], 1, (relay, states[relay]))
                self.assertIn("in clear" if relay == "no-starttls" else "credentials not sent",
                              states[relay]["last_error"])
                got = log(relay)[seen[relay]:]
                self.assertIn("EHLO clear" if relay == "no-starttls" else "EHLO tls", got)
                self.assertFalse([c for c in got if c.startswith(("AUTH", "MAIL", "RCPT", "DATA"))], (relay, got))
            self.assertEqual(len(mails(mail_dir)), seen_mail)

            seen = len(log("no-starttls"))
            states = run({"allowed": doc("allowed", "no-starttls", allow_auth_without_tls=True)})
            self.assertEqual(states["allowed"]["sent"], 1, states["allowed"])
            got = log("no-starttls")[seen:]
            self.assertIn("AUTH clear", got)
            self.assertIn("DATA clear", got)
            sent = mails(mail_dir)[seen_mail:]
            subjects = [m["Subject"] for m in sent]
            self.assertEqual(len(subjects), 1, subjects)
            # The relay check starts 20 ms after "down": its own warning (credentials in
            # clear, allowed) may share the mail, which then counts both changes.
            self.assertTrue(subjects[0].startswith(("[probe-allowed] CRITICAL down",
                                                    "[probe-allowed] 2 changes: 1 CRITICAL")), subjects)
            self.assertRegex(sent[0].as_string(), r"CRITICAL\W+down")
        finally:
            lab.down()

    def test_unreachable_relay_delays_no_probe(self):
        listener = Listener(max_s=120)
        closed = free_port()
        try:
            doc = {"schema": 1, "device": {"name": "probe-nomail"},
                   "defaults": {"interval_s": 1, "timeout_ms": 800, "confirm": 1},
                   "checks": [{"id": "up", "type": "tcp", "host": HOST, "port": listener.port},
                              {"id": "down", "type": "tcp", "host": HOST, "port": closed}],
                   "alerts": {"mail": {"to": ["ops@lab.test"], "from": "probe@lab.test",
                                       "server": f"{HOST}:{free_port()}"},
                              "syslog": {"server": f"{HOST}:{free_port()}"},
                              "snmp": {"trap_to": [f"{HOST}:{free_port()}"]}}}
            with running_sim(doc) as (proc, port):
                self.assertTrue(wait_for(lambda: json.loads(http_get(port, "/api/diagnostics")[2])["mail"]["failed_attempts"] >= 1, 30))
                t0 = json.loads(http_get(port, "/api/diagnostics")[2])["probes_run"]
                time.sleep(5)
                diag = json.loads(http_get(port, "/api/diagnostics")[2])
                # Two checks a second keep running at their pace while the mail waits.
                self.assertGreaterEqual(diag["probes_run"] - t0, 8)
                self.assertGreaterEqual(diag["mail"]["pending"], 1, "the change is kept for the next attempt")
                self.assertEqual(diag["mail"]["sent"], 0)
                self.assertIn("refused", diag["mail"]["last_error"])
                self.assertLess(diag["longest_step_us"], 200_000)
                st = by_id(json.loads(http_get(port, "/api/status")[2]))
                self.assertEqual((st["up"]["hard"], st["down"]["hard"]), ("ok", "critical"))
        finally:
            listener.close()


if __name__ == "__main__":
    unittest.main()
