"""A fault that starts inside a maintenance window and outlasts it is alerted once,
when the window ends — by mail, syslog and SNMP trap (issue 19). Inside the window
nothing reaches mail or traps; syslog logs the change marked maintenance="true"."""
import datetime
import email
import glob
import json
import os
import socket
import threading
import time
import unittest

from simtest import HOST, by_id, http_get, lab_session, running_sim, wait_for

WINDOW_LEFT_S = 20


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def mails(directory):
    out = []
    for path in sorted(glob.glob(os.path.join(directory, "*.eml"))):
        with open(path, "rb") as f:
            out.append((os.path.getmtime(path), email.message_from_bytes(f.read())))
    return out


class Datagrams:
    """Every datagram to a UDP port on 127.0.0.1, with its arrival time (bounded run)."""

    def __init__(self, max_s=180):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.got = []
        self._stop = threading.Event()
        self._deadline = time.monotonic() + max_s
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set() and time.monotonic() < self._deadline:
            try:
                data, _ = self.sock.recvfrom(65536)
            except OSError:
                continue
            self.got.append((time.time(), data))

    def close(self):
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


class MaintenanceAlerts(unittest.TestCase):
    def test_a_fault_still_there_when_the_window_ends_is_alerted_once_then(self):
        lab = lab_session(self)
        syslog, traps = Datagrams(), Datagrams()
        try:
            mesh = lab.ports["mesh"][2]
            lab.set(f"tcp:{mesh}", "closed")  # the fault, from before the window's first result
            relay = lab.ports["smtp"]["ok"]["port"]
            mail_dir = lab.ports["smtp"].get("mail_dir") or os.path.join(lab.dir, "mail")
            seen_mail = len(mails(mail_dir))
            now = time.time()
            window_end = int(now) + WINDOW_LEFT_S
            doc = {"schema": 1, "device": {"name": "probe-mw"}, "trust_anchors_pem": lab.ports["tls"]["root_pem"],
                   "defaults": {"interval_s": 2, "timeout_ms": 1500, "confirm": 1},
                   "maintenance": [{"start": iso(now - 60), "end": iso(window_end), "checks": ["svc"]}],
                   "checks": [{"id": "svc", "type": "tcp", "host": HOST, "port": mesh},
                              {"id": "relay", "type": "smtp", "host": HOST, "port": relay, "username": "probe",
                               "password": "secret", "server_name": "relay.lab.test",
                               "interval_s": 60, "timeout_ms": 5000}],
                   "alerts": {"mail": {"to": ["ops@lab.test"], "from": "probe-mw@lab.test"},
                              "syslog": {"server": f"{HOST}:{syslog.port}"},
                              "snmp": {"trap_to": [f"{HOST}:{traps.port}"], "trap_community": "mw-traps"}}}
            with running_sim(doc) as (proc, port):
                status = lambda: by_id(json.loads(http_get(port, "/api/status")[2]))["svc"]
                self.assertTrue(wait_for(lambda: status()["hard"] == "critical", 15), "the fault was not seen")
                self.assertTrue(status()["maintenance"])
                self.assertGreater(window_end - time.time(), 5, "the machine is too slow for this window")
                # Wait for the window to end and a few results after it.
                time.sleep(max(0.0, window_end - time.time()) + 8)
                self.assertFalse(status()["maintenance"])
                self.assertEqual(status()["hard"], "critical")
                time.sleep(4)  # and nothing more comes in the cycles after that

            svc_mail = [(t, m) for t, m in mails(mail_dir)[seen_mail:] if "svc" in (m["Subject"] or "")]
            self.assertEqual(len(svc_mail), 1, [m["Subject"] for _, m in svc_mail])
            self.assertGreaterEqual(svc_mail[0][0], window_end - 1)
            self.assertIn("CRITICAL svc", svc_mail[0][1]["Subject"])

            lines = [(t, d.decode(errors="replace")) for t, d in syslog.got if b'check="svc"' in d]
            held = [l for t, l in lines if 'maintenance="true"' in l]
            raised = [(t, l) for t, l in lines if 'maintenance="true"' not in l]
            self.assertTrue(held, "the change inside the window is logged, marked")
            self.assertEqual(len(raised), 1, lines)
            self.assertGreaterEqual(raised[0][0], window_end - 1)
            self.assertIn('state="critical"', raised[0][1])

            svc_traps = [t for t, d in traps.got if b"svc" in d]
            self.assertEqual(len(svc_traps), 1, traps.got)
            self.assertGreaterEqual(svc_traps[0], window_end - 1)
        finally:
            syslog.close()
            traps.close()
            lab.down()


if __name__ == "__main__":
    unittest.main()
