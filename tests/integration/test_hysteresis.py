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
            # Follow every result: the hard state may change only at the third bad one.
            seen_soft_only = False
            deadline = time.monotonic() + 20
            s = None
            while time.monotonic() < deadline:
                s = status(port)
                bad = s["counts"]["critical"]
                if 1 <= bad < 3:
                    self.assertEqual(s["hard"], "ok", f"hard state changed after {bad} bad result(s)")
                    seen_soft_only = True
                if s["hard"] == "critical":
                    break
                time.sleep(0.05)
            self.assertTrue(seen_soft_only, "never observed the soft-bad phase")
            self.assertEqual(s["hard"], "critical")
            self.assertEqual(s["counts"]["critical"], 3, "turned critical after other than `confirm` bad results")
            self.assertEqual(s["details"], {"state": "refused"})
            latest = events(port)[0]
            self.assertEqual((latest["check"], latest["from"], latest["to"]), ("svc", "ok", "critical"))
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
