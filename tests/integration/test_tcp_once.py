"""`probebox-sim --once` over tcp checks against listeners on 127.0.0.1 (issue 2)."""
import unittest

from simtest import HOST, Listener, by_id, free_port, run_once


class TcpOnce(unittest.TestCase):
    def setUp(self):
        self.listener = Listener()

    def tearDown(self):
        self.listener.close()

    def test_open_closed_and_expect_closed(self):
        closed, isolated = free_port(), free_port()
        doc = {"schema": 1, "device": {"name": "probe-it"}, "defaults": {"timeout_ms": 3000},
               "checks": [
                   {"id": "open", "type": "tcp", "host": HOST, "port": self.listener.port},
                   {"id": "closed", "type": "tcp", "host": HOST, "port": closed},
                   {"id": "isolated", "type": "tcp", "host": HOST, "port": isolated, "expect": "closed"},
               ]}
        code, out, err = run_once(doc)
        self.assertEqual(code, 2, err)
        self.assertEqual(out["overall"], "critical")
        self.assertEqual(out["version"], "0.1.0")
        checks = by_id(out)
        self.assertEqual([c["id"] for c in out["checks"]], ["open", "closed", "isolated"])
        self.assertEqual(checks["open"]["status"], "ok")
        self.assertEqual(checks["open"]["details"], {"state": "open"})
        self.assertEqual(checks["open"]["group"], "ports")
        self.assertEqual(checks["open"]["target"], f"{HOST}:{self.listener.port}")
        self.assertEqual(checks["closed"]["status"], "critical")
        self.assertEqual(checks["closed"]["details"], {"state": "refused"})
        self.assertEqual(checks["isolated"]["status"], "ok")
        self.assertEqual(checks["isolated"]["details"], {"state": "refused"})
        self.assertEqual(checks["isolated"]["group"], "isolation")
        for c in out["checks"]:
            self.assertIsInstance(c["latency_ms"], float)
            self.assertTrue(c["summary"])
        self.assertGreaterEqual(self.listener.accepted, 1)

    def test_all_open_exits_zero(self):
        doc = {"schema": 1, "checks": [
            {"id": f"p{i}", "type": "tcp", "host": HOST, "port": self.listener.port} for i in range(20)]}
        code, out, err = run_once(doc)
        self.assertEqual(code, 0, err)
        self.assertEqual(out["overall"], "ok")
        self.assertTrue(all(c["status"] == "ok" for c in out["checks"]))

    def test_the_figures_line_counts_the_firmwares_own_busy_time(self):
        """Issue 20: busy time (every main-loop step, not the idle wait) beside the
        cycle's wall time: more than nothing, never more than the wall time."""
        import re
        listener = Listener()
        try:
            code, out, err = run_once({"schema": 1, "checks": [{"id": "a", "type": "tcp", "host": HOST, "port": listener.port}]})
        finally:
            listener.close()
        m = re.search(r"cycle checks=1 wall_ms=([\d.]+) .* busy_ms=([\d.]+)", err)
        self.assertIsNotNone(m, err)
        wall_ms, busy_ms = float(m.group(1)), float(m.group(2))
        self.assertGreater(busy_ms, 0.0)
        # busy counts from boot, wall from the checks' start: allow the boot's share.
        boot_ms = float(re.search(r"boot_to_ready_ms=([\d.]+)", err).group(1))
        self.assertLessEqual(busy_ms, wall_ms + boot_ms + 1.0)

    def test_diagnostics_show_the_cpu_load_of_the_last_ten_seconds(self):
        import json
        import time
        from simtest import http_get, running_sim
        listener = Listener()
        try:
            doc = {"schema": 1, "defaults": {"interval_s": 1, "timeout_ms": 800},
                   "checks": [{"id": "a", "type": "tcp", "host": HOST, "port": listener.port}]}
            with running_sim(doc) as (_, port):
                first = json.loads(http_get(port, "/api/diagnostics")[2])["cpu"]
                time.sleep(11)
                cpu = json.loads(http_get(port, "/api/diagnostics")[2])["cpu"]
        finally:
            listener.close()
        self.assertGreater(cpu["busy_us"], first["busy_us"])
        self.assertIsNotNone(cpu["load_pct"])
        # An idle box with one check a second: busy, but nowhere near a whole core. The
        # loop sleeps between checks, so the share is small: load_pct has three decimals.
        self.assertGreater(cpu["load_pct"], 0.0, cpu)
        self.assertLess(cpu["load_pct"], 50.0, cpu)

    def test_expect_closed_on_open_port_is_critical(self):
        doc = {"schema": 1, "checks": [
            {"id": "leak", "type": "tcp", "host": HOST, "port": self.listener.port, "expect": "closed"}]}
        code, out, _ = run_once(doc)
        self.assertEqual(code, 2)
        self.assertEqual(out["checks"][0]["status"], "critical")
        self.assertEqual(out["checks"][0]["details"], {"state": "open"})

    def test_per_check_timeout_overrides_default(self):
        # A port that answers is never a timeout; check that the per-check value is
        # what the config model applies by making the default invalid-looking but legal.
        doc = {"schema": 1, "defaults": {"timeout_ms": 1, "interval_s": 30},
               "checks": [{"id": "slow-ok", "type": "tcp", "host": HOST, "port": self.listener.port,
                           "timeout_ms": 4000}]}
        code, out, err = run_once(doc)
        self.assertEqual(code, 0, err)

    def test_bad_config_exits_3_naming_the_path(self):
        doc = {"schema": 1, "checks": [
            {"id": "ok1", "type": "tcp", "host": HOST, "port": 80},
            {"id": "bad", "type": "tcp", "host": HOST, "port": 70000}]}
        code, out, err = run_once(doc)
        self.assertEqual(code, 3)
        self.assertIsNone(out)
        self.assertIn("checks[1].port", err)

    def test_unknown_key_is_an_error(self):
        doc = {"schema": 1, "checks": [{"id": "x", "type": "tcp", "host": HOST, "port": 80, "prot": 81}]}
        code, _, err = run_once(doc)
        self.assertEqual(code, 3)
        self.assertIn("checks[0].prot", err)


if __name__ == "__main__":
    unittest.main()
