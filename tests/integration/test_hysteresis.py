"""Hysteresis on a live service: a port that stops answering turns critical after
exactly `confirm` bad results, the change is logged, and one good result recovers it."""
import json
import time
import unittest

from simtest import HOST, Listener, by_id, http_get, running_sim, wait_for


def status(port):
    return by_id(json.loads(http_get(port, "/api/status")[2]))["svc"]


def events(port):
    return json.loads(http_get(port, "/api/events")[2])["events"]


class Hysteresis(unittest.TestCase):
    def test_confirm_then_recover(self):
        listener = Listener()
        service_port = listener.port
        doc = {"schema": 1, "defaults": {"interval_s": 1, "timeout_ms": 800, "confirm": 3},
               "checks": [{"id": "svc", "type": "tcp", "host": HOST, "port": service_port}]}
        with running_sim(doc) as (_, port):
            first = wait_for(lambda: status(port)["counts"]["ok"] >= 2 and status(port), 15)
            self.assertTrue(first, "never saw two good results")
            self.assertEqual(first["hard"], "ok")

            listener.close()  # the service stops: connections are refused
            # While polling, a state seen with fewer than `confirm` bad results must
            # still be hard ok (the poll may miss that phase on a loaded machine).
            deadline = time.monotonic() + 20
            s = None
            while time.monotonic() < deadline:
                s = status(port)
                bad = s["counts"]["critical"]
                if 1 <= bad < 3:
                    self.assertEqual(s["hard"], "ok", f"hard state changed after {bad} bad result(s)")
                if s["hard"] == "critical":
                    break
                time.sleep(0.05)
            self.assertEqual(s["hard"], "critical")
            self.assertEqual(s["details"], {"state": "refused"})
            # The event says exactly how many bad results made the change.
            changes = [e for e in events(port) if e["to"] == "critical"]
            self.assertEqual(len(changes), 1)
            latest = changes[0]
            self.assertEqual((latest["check"], latest["from"], latest["to"]), ("svc", "ok", "critical"))
            self.assertEqual(latest["confirmations"], 3, "turned critical after other than `confirm` bad results")
            self.assertIn("refused", latest["summary"])

            ok_before = s["counts"]["ok"]
            back = Listener(port=service_port)  # the service returns
            try:
                # The first good result after the failure must already be hard ok.
                recovered = wait_for(lambda: status(port)["counts"]["ok"] > ok_before and status(port), 10)
                self.assertTrue(recovered, "no good result after the service returned")
                self.assertEqual(recovered["hard"], "ok", "one good result did not recover the check")
                self.assertEqual(events(port)[0]["to"], "ok")
                self.assertEqual(len(events(port)), 3)  # first result, down, up
            finally:
                back.close()


if __name__ == "__main__":
    unittest.main()
