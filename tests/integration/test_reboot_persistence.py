"""A restart keeps what an operator set and what happened: the config (stored by
PUT /api/config), the admin password, and the recent events, which come back
marked as from the previous boot and are not alerted again."""
import json
import os
import shutil
import tempfile
import time
import unittest

from simtest import (FIRST_BOOT, HOST, Listener, by_id, free_port, http_get, login, request, running_sim,
                     session_headers, wait_for)

PASSWORD = "restart-proof-password"


class RebootPersistence(unittest.TestCase):
    def test_config_password_and_events_survive(self):
        tmp = tempfile.mkdtemp()
        flash = os.path.join(tmp, "flash.bin")
        up = Listener(max_s=300)
        closed_port = free_port()
        try:
            doc = {"schema": 1, "device": {"name": "probe-reboot"},
                   "defaults": {"interval_s": 1, "timeout_ms": 800, "confirm": 1},
                   "checks": [{"id": "up", "type": "tcp", "host": HOST, "port": up.port}]}
            with running_sim(doc, flash=flash) as (proc, port):
                login(port)
                h = session_headers(port)
                self.assertEqual(request(port, "POST", "/api/password",
                                         {"current": FIRST_BOOT[port], "new": PASSWORD}, headers=h)[0], 200)
                cfg = json.loads(http_get(port, "/api/config")[2])
                cfg["checks"].append({"id": "down", "type": "tcp", "host": HOST, "port": closed_port})
                self.assertEqual(request(port, "PUT", "/api/config", cfg, headers=h)[0], 200)
                self.assertTrue(wait_for(lambda: by_id(json.loads(http_get(port, "/api/status")[2]))
                                         .get("down", {}).get("hard") == "critical", 15))
                before = json.loads(http_get(port, "/api/events")[2])
                self.assertTrue(any(e["check"] == "down" and e["to"] == "critical" for e in before["events"]))
                time.sleep(0.5)  # the step after the change writes it to flash

            # Restart from the flash image alone: no --config.
            with running_sim(None, flash=flash) as (proc, port):
                self.assertNotIn(port, FIRST_BOOT, "no first-boot password once one is set")
                self.assertEqual(request(port, "POST", "/api/login", {"password": "wrong-password"})[0], 401)
                login(port, PASSWORD)
                status = json.loads(http_get(port, "/api/status")[2])
                self.assertEqual(status["device"]["name"], "probe-reboot")
                self.assertEqual(sorted(by_id(status)), ["down", "up"])
                after = json.loads(http_get(port, "/api/events")[2])
                old = [e for e in after["events"] if e["previous_boot"]]
                self.assertTrue(any(e["check"] == "down" and e["to"] == "critical" for e in old), after)
                seqs = [e["sequence"] for e in before["events"]]
                self.assertTrue(set(seqs) <= {e["sequence"] for e in old})
                # New events continue the numbering.
                self.assertTrue(wait_for(lambda: any(not e["previous_boot"] for e in
                                                     json.loads(http_get(port, "/api/events")[2])["events"]), 15))
                fresh = [e for e in json.loads(http_get(port, "/api/events")[2])["events"] if not e["previous_boot"]]
                self.assertGreater(min(e["sequence"] for e in fresh), max(seqs))
        finally:
            up.close()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
